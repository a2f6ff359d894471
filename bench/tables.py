"""One renderer per metric: its rows (figure, baseline, ratio, target, verdict)
and its detail section, from the metric's bench/results/<metric>.json.

bench/report.py puts them together (and docs/figures.py renders the README from
them); nothing here reads or writes a file.
"""

CONNECT_TIMEOUT_MS = 3000  # SHOP_DB_CONNECT_TIMEOUT's default, the bench's setting


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.2f} MiB"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def ms(fig: dict) -> str:
    return f"{fig['median']:.1f} ms (p90 {fig['p90']:.1f})"


def coldstart_db(data: dict):
    v = data["variants"]
    ours = v["ours"]["first_response_ms"]
    rows = []
    targets = {"naive": 0.30, "chalice": 0.70}
    # Results from before the extension carry no "ours_reads": they read with boto3.
    reads = {"extension": "through the extension"}.get(data.get("ours_reads"), "with boto3")
    for name, limit in targets.items():
        if name not in v:
            continue
        r = ours["median"] / v[name]["first_response_ms"]["median"]
        cpu = v["ours"]["cpu_ms"]["median"] / v[name]["cpu_ms"]["median"]
        rows.append(
            (
                "cold start to first DB-backed response (built artifact, fresh interpreter, "
                f"ours: config and secret {reads}; baselines: boto3; "
                "SELECTs from MariaDB over TLS)",
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


def keepalive(data: dict):
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
        modules = fig.get("modules_from_package") or fig["samples"][0]["modules_from_package"]
        lines.append(
            f"| {fig['label']} | {fig['first_response_ms']['median']:.2f} ms "
            f"(p90 {fig['first_response_ms']['p90']:.2f}) | {ms(fig['launch_ms'])} | {modules} |"
        )
    return rows, "\n".join(lines) + "\n"


def warm(data: dict):
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


def nullpool(data: dict):
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


def concurrency(data: dict):
    """The curve: one row per step, and the rows its targets are judged on."""
    if "steps" not in data:  # a result from before the curve
        return [("concurrency curve", "not measured", "", "", "", "—")], ""
    limit, steps = data["max_connections"], data["steps"]
    rows = []
    for step in steps:
        n, latency = step["threads"], step["latency_ms"]
        refused = step["statuses"].get("503", 0) + step.get("order_statuses", {}).get("503", 0)
        rows.append(
            (
                f"{n} concurrent environments for {data['seconds']:g} s through NullPool "
                f"(max_connections {limit}): throughput, latency, 503s",
                f"{step['requests_per_s']} req/s, p50 {latency['p50']} ms, "
                f"p99 {latency['p99']} ms, {refused} × 503",
                "",
                f"peak {step['peak_client_connections']} connections",
                "reported",
                "—",
            )
        )
    others = [s for s in steps for status in s["statuses"] if status not in ("200", "503")]
    others += [
        s for s in steps for status in s.get("order_statuses", {}) if status not in ("201", "503")
    ]
    others += [s for s in steps if s.get("environments_failed")]
    checked = [s["orders"] for s in steps if s.get("orders")]
    no_retry = [c for s in steps for c in s["unavailable_by_cause"] if "no Retry-After" in c]
    peak = max(s["peak_above_baseline"] for s in steps)
    slow = [
        s["unavailable_latency_ms"]["p99"] for s in steps if s["unavailable_latency_ms"] is not None
    ]
    back = [s["back_to_baseline_s"] for s in steps]
    rows += [
        (
            "concurrency curve: every request answered 200, or 503 with Retry-After "
            "(no exception, no timeout)",
            f"{len(others)} steps with other answers; {len(no_retry)} 503 causes without "
            "Retry-After",
            "",
            "",
            "0",
            verdict(not others and not no_retry),
        ),
        (
            "concurrency curve: orders (POST /v1/orders, every fourth request) answered 201 or "
            "503, each 201's order stored once, none for a 503, stock taken exactly",
            _orders_figure(checked),
            "",
            "",
            "0 lost, 0 duplicated",
            verdict(bool(checked) and all(_orders_ok(c) for c in checked)),
        ),
        (
            "concurrency curve: peak connections on the server (Threads_connected, the "
            "sampler's own excluded; MariaDB lets a SUPER account, as the bench's user is, "
            "take one connection over max_connections)",
            str(peak),
            "",
            "",
            f"≤ {limit} + 1",
            verdict(peak <= limit + 1),
        ),
        (
            "concurrency curve: a refused request's 503, p99 (never a hang: within the "
            f"{CONNECT_TIMEOUT_MS} ms connect timeout)",
            f"{max(slow):.1f} ms" if slow else "no step reached the limit: nothing refused",
            "",
            "",
            f"≤ {CONNECT_TIMEOUT_MS} ms",
            verdict(bool(slow) and max(slow) <= CONNECT_TIMEOUT_MS),
        ),
        (
            "concurrency curve: back to the baseline after each step",
            f"{max(b for b in back if b is not None):.3f} s" if None not in back else "never",
            "",
            "",
            "≤ 1 s",
            verdict(None not in back and max(back) <= 1.0),
        ),
    ]
    return rows, curve_detail(data)


def _step_orders(step: dict) -> str:
    c = step.get("orders")
    if not c:
        return "—"
    return f"{c['answered_201']} / {c['answered_503']} ({c['stored']})"


def _orders_ok(c: dict) -> bool:
    return c["lost"] == c["duplicated"] == c["stored_for_a_503"] == c[
        "stored_never_answered_201"
    ] == 0 and int(c["stock_taken"]) == int(c["stock_taken_by_stored_orders"])


def _orders_figure(checked: list[dict]) -> str:
    if not checked:
        return "no orders in the curve"
    total = {k: sum(int(c[k]) for c in checked) for k in checked[0]}
    stock = all(int(c["stock_taken"]) == int(c["stock_taken_by_stored_orders"]) for c in checked)
    return (
        f"{total['answered_201']} × 201, {total['answered_503']} × 503; "
        f"{total['lost']} lost, {total['duplicated']} duplicated, "
        f"{total['stored_for_a_503'] + total['stored_never_answered_201']} stored without a 201; "
        f"stock {'exact' if stock else 'off'}"
    )


def switch_step(data: dict) -> dict | None:
    """Return the first step where the database refused connections (503s), if any."""
    return next(
        (
            s
            for s in data["steps"]
            if s["statuses"].get("503", 0) + s.get("order_statuses", {}).get("503", 0) > 0
        ),
        None,
    )


def curve_detail(data: dict) -> str:
    limit = data["max_connections"]
    lines = [
        f"#### How the cost grows with the load (max_connections = {limit})",
        "",
        "![throughput, 503s and p99 per step](benchmarks-concurrency.svg)",
        "",
        "| environments | req/s | p50 | p99 | peak connections (client / server) "
        "| 503s by cause | 503 p99 (its own CPU) | orders: 201 / 503 (stored) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in data["steps"]:
        causes = "; ".join(f"{c}: {n}" for c, n in s["unavailable_by_cause"].items()) or "none"
        refused = s["unavailable_latency_ms"]
        lines.append(
            f"| {s['threads']} | {s['requests_per_s']} | {s['latency_ms']['p50']} ms "
            f"| {s['latency_ms']['p99']} ms | {s['peak_client_connections']} / "
            f"{s['peak_above_baseline']} | {causes} | "
            f"{_p99(refused)}{_cpu(s)} | {_step_orders(s)} |"
        )
    step = switch_step(data)
    if step is None:
        advice = (
            f"No step reached the limit of {limit} connections: the curve shows no point "
            "where RDS Proxy is needed yet."
        )
    else:
        advice = (
            f"From {step['threads']} concurrent environments on, the server refuses connections "
            f"(max_connections = {limit}) and part of the traffic gets 503 with Retry-After: "
            "that is the step at which to switch on `database.enable_proxy` (RDS Proxy pools "
            "the connections) or raise the instance class (its max_connections grows with "
            "memory), and to keep the functions' reserved concurrency plus headroom below "
            "the limit, which Terraform checks."
        )
    return "\n".join(lines) + "\n\n" + advice + "\n"


def snapstart(data: dict):
    """The emulated SnapStart restore, never presented as AWS's figure."""
    first = data["first_response_ms"]
    rows = [
        (
            "SnapStart restore to first DB-backed response, EMULATED (fork of a primed "
            "process + our after-restore hooks; not AWS's restore)",
            ms(first),
            f"prime before the snapshot: {data['prime_ms']:.1f} ms",
            "",
            "reported",
            "—",
        ),
        (
            "SnapStart (emulated): restored environments share no container id or random state",
            f"{data['distinct_container_ids']} ids, {data['distinct_random_states']} random "
            f"states in {data['runs']} restores",
            "",
            "",
            f"{data['runs']} distinct",
            verdict(
                data["distinct_container_ids"] == data["distinct_random_states"] == data["runs"]
            ),
        ),
    ]
    return rows, ""


def gateway(data: dict):
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


def sizes(data: dict):
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


def _cpu(step: dict) -> str:
    cpu = step.get("unavailable_cpu_ms")
    return f" (CPU {cpu['p99']} ms)" if cpu else ""


def _p99(figure: dict | None) -> str:
    return f"{figure['p99']} ms" if figure else "—"


def steps(data: dict):
    """The cold path step by step: a detail section, no target."""
    lines = [
        f"#### The cold path of a first DB-backed request, step by step (ours, medians of "
        f"{data['runs']} fresh interpreters)",
        "",
        "| step | ms |",
        "|---|---|",
        *(f"| {name} | {value:.1f} |" for name, value in data["steps_ms"].items()),
        f"| **sum** | **{sum(data['steps_ms'].values()):.1f}** |",
    ]
    return [], "\n".join(lines) + "\n"


def optimisations(data: dict) -> tuple[str, str]:
    """The two hand-recorded tables of bench/results/optimisations.json, with where they
    come from: what each change bought, and what was measured and left out."""
    source = data["provenance"]
    bought = [
        f"Recorded in `bench/results/optimisations.json` from a run of `{source['command']}` "
        f"on {source['date']}: {source['how']}",
        "",
        "| change | where | what it bought |",
        "|---|---|---|",
        *(f"| {r['change']} | {r['where']} | {r['bought']} |" for r in data["bought"]),
    ]
    left_out = [
        "| idea | what it measured |",
        "|---|---|",
        *(f"| {r['idea']} | {r['measured']} |" for r in data["left_out"]),
    ]
    return "\n".join(bought), "\n".join(left_out)


def tree_comparison(keepalive: dict | None, warm: dict | None, cold: dict | None) -> str:
    """Ours against every other build of the api measured in the same run (`--tree`)."""
    # (metric, its variants, how one variant's figure reads)
    parts = []
    if keepalive:
        parts.append(
            (
                "keep-alive, handler import + answer in process",
                keepalive["variants"],
                lambda f: f"{f['first_response_ms']['median']:.2f} ms",
            )
        )
    for mode, what in (("repo", "stub repository"), ("conn", "fake connection")):
        if warm:
            best = lambda f: f"{f['best_us']:.1f} µs"  # noqa: E731
            parts.append((f"warm item route, {what}", warm[mode], best))
    if cold:
        parts.append(
            (
                "cold start to first DB-backed response",
                cold["variants"],
                lambda f: ms(f["first_response_ms"]),
            )
        )
    lines = [
        f"| {metric} | {f['label']} | {shown(f)} | {shown(variants['ours'])} |"
        for metric, variants, shown in parts
        for name, f in variants.items()
        if name != "ours" and f.get("kind") == "tree"
    ]
    if not lines:
        return "No other build of the api was measured in the last run (`--tree`)."
    return "\n".join(["| metric | the other build | it | this tree |", "|---|---|---|---|", *lines])
