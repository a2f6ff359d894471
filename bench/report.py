"""The table: bench/results/*.json rendered as markdown, figures and ratios.

`python -m bench.report` re-renders it from the last run's results without
measuring anything. docs/benchmarks.md keeps its hand-written parts; only
the part between the two `bench:` markers is replaced.
"""

import json
import sys

from bench.measure import RESULTS, ROOT

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:begin (written by `make bench`; do not edit by hand) -->"
END = "<!-- bench:end -->"


def load(metric: str) -> dict | None:
    path = RESULTS / f"{metric}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.2f} MiB"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def ms(fig: dict) -> str:
    return f"{fig['median']:.1f} ms (p90 {fig['p90']:.1f})"


def collect() -> tuple[list[tuple[str, str, str, str, str, str]], list[str], set, dict | None]:
    """Every metric's rows (metric, ours, baseline, ratio, target, verdict),
    its detail sections, the runs' dates and the machine, from bench/results/."""
    rows: list[tuple[str, str, str, str, str, str]] = []
    details: list[str] = []
    dates = set()
    info = None
    for metric, part in (
        ("coldstart_db", _coldstart_db),
        ("coldstart_keepalive", _keepalive),
        ("warm_routing", _warm),
        ("nullpool_tls", _nullpool),
        ("concurrency", _concurrency),
        ("gateway", _gateway),
        ("artifact_size_build", _sizes),
    ):
        data = load(metric)
        if data is None:
            rows.append((metric, "not measured", "", "", "", "—"))
            continue
        info = data.get("machine", info)
        dates.add(data.get("machine", {}).get("date", "?"))
        new_rows, detail = part(data)
        rows += new_rows
        if detail:
            details.append(detail)
    return rows, details, dates, info


def render() -> str:
    rows, details, dates, info = collect()
    head = []
    if info:
        when = (
            f"Measured {next(iter(dates))}"
            if len(dates) == 1
            else f"Measured in separate runs ({', '.join(sorted(dates))})"
        )
        one_run = "every figure from the same `make bench` run" if len(dates) == 1 else ""
        head.append(
            f"{when} on {info['cpu']} ({info['cores']} cores), {info['os']}, "
            f"Python {info['python']}" + (f"; {one_run}." if one_run else ".")
        )
        head.append("")
    table = [
        "| metric | ours | baseline | ratio | target | |",
        "|---|---|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]
    return "\n".join([*head, *table, "", *details]).rstrip() + "\n"


def _coldstart_db(data: dict):
    v = data["variants"]
    ours = v["ours"]["first_response_ms"]
    rows = []
    targets = {"naive": 0.35, "chalice": 0.8}
    for name, limit in targets.items():
        if name not in v:
            continue
        r = ours["median"] / v[name]["first_response_ms"]["median"]
        cpu = v["ours"]["cpu_ms"]["median"] / v[name]["cpu_ms"]["median"]
        rows.append(
            (
                "cold start to first DB-backed response (built artifact, fresh interpreter, "
                "config from SSM, SELECTs from MariaDB over TLS)",
                ms(ours),
                f"{v[name]['label']}: {ms(v[name]['first_response_ms'])}",
                f"{r:.2f}x (CPU {cpu:.2f}x)",
                f"≤ {limit}x",
                verdict(r <= limit),
            )
        )
    lines = [
        f"#### Cold start to the first DB-backed response ({data['event']}, {data['runs']} rounds)",
        "",
        "| variant | bytecode | import + first answer | of which import | CPU "
        "| launch to answer | zip + layers | ours / this |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fig in v.values():
        size = fig["sizes"]
        zipped = size.get("function_bytes", 0) + size.get("layer_bytes", 0)
        lines.append(
            f"| {fig['label']} | {'yes' if fig['bytecode'] else 'no'} "
            f"| {ms(fig['first_response_ms'])} "
            f"| {fig['import_ms']['median']:.1f} ms | {fig['cpu_ms']['median']:.1f} ms "
            f"| {fig['launch_ms']['median']:.1f} ms "
            f"| {mib(zipped) if size.get('layer_bytes') is not None else '—'} "
            f"| {fig['ours_to_this']:.2f}x |"
        )
    return rows, "\n".join(lines) + "\n"


def _keepalive(data: dict):
    v = data["variants"]
    ours, bare = v["ours"], v["stdlib"]
    r_in = ours["first_response_ms"]["median"] / bare["first_response_ms"]["median"]
    r_proc = ours["launch_ms"]["median"] / bare["launch_ms"]["median"]
    rows = [
        (
            "cold start to keep-alive answered: fresh interpreter to answer",
            ms(ours["launch_ms"]),
            f"bare stdlib handler: {ms(bare['launch_ms'])}",
            f"{r_proc:.2f}x",
            "≤ 1.5x",
            verdict(r_proc <= 1.5),
        ),
        (
            "cold start to keep-alive answered: handler import + answer, in process",
            f"{ours['first_response_ms']['median']:.2f} ms",
            f"bare stdlib handler: {bare['first_response_ms']['median']:.2f} ms",
            f"{r_in:.2f}x",
            "≤ 1.5x",
            verdict(r_in <= 1.5),
        ),
        (
            "`sqlalchemy` imported by a keep-alive",
            "yes" if ours["sqlalchemy_imported"] else "never",
            "",
            "",
            "never",
            verdict(not ours["sqlalchemy_imported"]),
        ),
    ]
    lines = [
        f"#### Cold start to a keep-alive answer ({data['runs']} rounds)",
        "",
        "| variant | import + answer | launch to answer | modules from the package |",
        "|---|---|---|---|",
    ]
    for fig in v.values():
        modules = fig["samples"][0]["modules_from_package"]
        lines.append(
            f"| {fig['label']} | {fig['first_response_ms']['median']:.2f} ms "
            f"(p90 {fig['first_response_ms']['p90']:.2f}) | {ms(fig['launch_ms'])} | {modules} |"
        )
    return rows, "\n".join(lines) + "\n"


def _warm(data: dict):
    rows = []
    repo, conn = data["repo"], data["conn"]
    for figures, what in (
        (conn, "fake connection: the whole route but the I/O, SQL built as in production"),
        (repo, "stub repository: routing, validation, CORS and JSON only"),
    ):
        ours, pt = figures["ours"]["best_us"], figures["powertools"]["best_us"]
        r = ours / pt
        rows.append(
            (
                f"warm routing + JSON per request, item route, no DB ({what})",
                f"{ours:.1f} µs",
                f"Powertools: {pt:.1f} µs",
                f"{r:.2f}x",
                "≤ 0.5x",
                verdict(r <= 0.5),
            )
        )
    lines = [
        "#### Warm item route per request (best round's mean)",
        "",
        "| variant | stub repository | fake connection (SQL built) | ours / this (stub) |",
        "|---|---|---|---|",
    ]
    for name, fig in repo.items():
        c = conn.get(name, {})
        lines.append(
            f"| {fig['label']} | {fig['best_us']:.1f} µs | {c.get('best_us', float('nan')):.1f} µs "
            f"| {fig['ours_to_this']:.2f}x |"
        )
    return rows, "\n".join(lines) + "\n"


def _nullpool(data: dict):
    v = data["variants"]
    ours, raw = v["ours"]["per_op_ms"], v["pymysql_prebuilt_context"]["per_op_ms"]
    defaults, plain = v["pymysql_defaults"]["per_op_ms"], v["plaintext"]["per_op_ms"]
    ca_path = v["pymysql_ca_path"]["per_op_ms"]
    r1 = ours["median"] / raw["median"]
    r2 = defaults["median"] / ours["median"]
    r3 = ca_path["median"] / ours["median"]
    rows = [
        (
            "NullPool request over TLS (connect, SELECT 1, close)",
            ms(ours),
            f"raw PyMySQL, prebuilt SSLContext: {ms(raw)}",
            f"{r1:.2f}x",
            "≤ 1.5x",
            verdict(r1 <= 1.5),
        ),
        (
            "NullPool request over TLS, against PyMySQL's defaults (no TLS option)",
            ms(ours),
            f"PyMySQL, no TLS option: {ms(defaults)}",
            f"{r2:.1f}x faster",
            "≥ 5x faster",
            verdict(r2 >= 5),
        ),
        (
            "NullPool request over TLS, against PyMySQL given the CA path",
            ms(ours),
            f"PyMySQL `ssl={{'ca': bundle}}`: {ms(ca_path)}",
            f"{r3:.1f}x faster",
            "≥ 5x faster",
            verdict(r3 >= 5),
        ),
    ]
    lines = [
        f"#### NullPool request ({data['ssl_cipher']}, CA bundle of "
        f"{data['ca_bundle_certificates']} certificates)",
        "",
        "| variant | median | p90 | n |",
        "|---|---|---|---|",
    ]
    for name, fig in v.items():
        f = fig["per_op_ms"]
        lines.append(f"| {name} | {f['median']:.2f} ms | {f['p90']:.2f} ms | {f['n']} |")
    lines.append(f"\nplaintext floor: {plain['median']:.2f} ms.")
    return rows, "\n".join(lines) + "\n"


def _concurrency(data: dict):
    threads, secs = data["threads"], data["seconds"]
    back = data["back_to_baseline_s"]
    aborted = data["aborted_connects_delta"] + data["aborted_clients_delta"]
    errors = sum(n for s, n in data["statuses"].items() if s != "200")
    what = f"{threads} concurrent workers for {secs:g} s through NullPool"
    rows = [
        (
            f"{what}: peak connections (server's Threads_connected)",
            str(data["peak_above_baseline"]),
            "",
            "",
            f"≤ {threads}",
            verdict(data["peak_above_baseline"] <= threads),
        ),
        (
            f"{what}: peak connections open (client side, counted exactly)",
            str(data["peak_client_connections"]),
            "",
            "",
            f"≤ {threads}",
            verdict(data["peak_client_connections"] <= threads),
        ),
        (
            f"{what}: back to baseline after the last request",
            f"{back} s" if back is not None else "never",
            "",
            "",
            "≤ 1 s",
            verdict(back is not None and back <= 1.0),
        ),
        (f"{what}: aborted connects + clients", str(aborted), "", "", "0", verdict(aborted == 0)),
    ]
    latency, every = data["latency_ms"], data["sample_interval_ms"]
    detail = (
        f"#### {what}\n\n"
        f"{data['requests']} requests ({data['requests_per_s']} req/s), "
        f"statuses {data['statuses']}, {errors} not 200; "
        f"latency p50 {latency['p50']} ms, p99 {latency['p99']} ms; "
        f"Threads_connected sampled every {every['median']} ms (max gap {every['max']} ms), "
        f"baseline {data['baseline_threads_connected']} (the sampler), "
        f"max_connections {data['max_connections']}.\n"
    )
    return rows, detail


def _gateway(data: dict):
    if "skipped" in data:
        return [
            ("local gateway throughput", "not measured", data["skipped"], "", "reported", "—")
        ], ""
    rows = []
    for label in ("cache_off", "cache_on"):
        f = data[label]
        hits = f["x_cache"].get("hit", 0)
        latency = f["latency_ms"]
        rows.append(
            (
                f"local gateway, GET /v1/products, cache {label.split('_')[1]} "
                f"({data['clients']} clients)",
                f"{f['requests_per_s']} req/s, p50 {latency['p50']} ms, p99 {latency['p99']} ms",
                "",
                f"hits {hits}/{f['requests']}" if label == "cache_on" else "",
                "reported",
                "—",
            )
        )
    return rows, ""


def _sizes(data: dict):
    total = data["api_plus_layers_bytes"]
    rows = [
        (
            "api zip + layer",
            f"{mib(data['api_zip_bytes'])} + {mib(sum(data['layers_bytes'].values()))} "
            f"= {mib(total)}",
            f"budget {data['budget_mib']} MiB",
            f"{data['share_of_budget']:.2f} of budget",
            "≤ budget",
            verdict(data["share_of_budget"] <= 1),
        ),
        (
            "build: cold (fresh copy, wheels cached) / no-op",
            f"{data['build_cold_s']:.2f} s / {min(data['build_noop_s']):.2f} s",
            "",
            "",
            "reported",
            "—",
        ),
    ]
    return rows, ""


def write_docs(table: str):
    """Put `table` between the markers of docs/benchmarks.md (created if missing)."""
    text = DOCS.read_text() if DOCS.is_file() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    DOCS.write_text(f"{before}{BEGIN}\n\n{table}\n{END}{after}")
    return DOCS


if __name__ == "__main__":
    sys.stdout.write(render())
