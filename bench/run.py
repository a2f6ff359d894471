"""`make bench`: every benchmark, in one session on one machine, then the table.

    .venv/bin/python -m bench.run [--only coldstart,snapstart,keepalive,warm,nullpool,
                                          concurrency,gateway] [--runs 15] [--quick]
                                  [--tree NAME=PATH ...] [--no-docs]

Order: build a copy of the tree (cold, then no-op) and package the
baselines from bench/.venv; start one MariaDB (TLS) and one moto server
for everybody and seed the catalogue; then the cold starts, warm routing,
NullPool over TLS and the concurrency curve (1 to 200 workers against
max_connections = 150, drawn as an SVG by bench/chart.py in the bench
venv); last the local gateway. SnapStart is emulated (a fork of a primed
process) and labelled so. Each
metric is written to bench/results/<metric>.json, its raw samples to
build/bench/raw/<metric>.json (bench/measure.py);
the table goes to stdout and into docs/benchmarks.md (bench/report.py).
Progress goes to stderr. Nothing here asserts a time.

`--tree NAME=PATH` adds another build of the api (a patched copy of the
tree) to the cold starts and the warm loop, to measure what a change in
functions/ buys before it is made.
"""

import argparse
import json
import re
import ssl
import tempfile
from datetime import datetime
from pathlib import Path

from bench import coldstart, concurrency, gateway, nullpool, package, report, snapstart, warm
from bench.measure import ROOT, log, machine, run_worker, write_result
from bench.stack import bench_stack

EVENTS = ROOT / "tests" / "events"
DATABASE = "shop_bench"
SEEDED, CATEGORY_COUNT, PAGE_SIZE = 60, 30, 10
# The stages verify RDS against its global CA bundle (envs/*.tfvars), about
# a hundred CAs; loading such a bundle is what makes a per-connect context
# dear, so every variant here verifies against one of that size.
BUNDLE_CAS = 120
PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", re.S)
METRICS = ("coldstart", "snapstart", "keepalive", "warm", "nullpool", "concurrency", "gateway")
MAX_CONNECTIONS = 50  # the curve's server: steps above it must get fast 503s (docs/benchmarks.md)
CHART = ROOT / "docs" / "benchmarks-concurrency.svg"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(METRICS), help="comma-separated metrics")
    parser.add_argument("--runs", type=int, default=15, help="cold starts per variant (DB-backed)")
    parser.add_argument("--keepalive-runs", type=int, default=40)
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs, shorter loads (a smoke run)"
    )
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--venv", type=Path, default=ROOT / "bench" / ".venv")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(args.only) - set(METRICS)
    if unknown:
        parser.error(f"unknown metric(s): {', '.join(sorted(unknown))}")
    if args.quick:
        args.runs, args.keepalive_runs = 3, 6
    return args


def event(name: str, **changes) -> dict:
    data = json.loads((EVENTS / f"{name}.json").read_text())
    data.update(changes)
    return data


ORDERS_STOCK = 10**9  # the products the concurrency curve's orders buy never run out
ORDER_PRODUCTS = 10  # orders spread over ten products, not all queued on one row's lock


def seed(server) -> tuple[int, list[int]]:
    """Insert the catalogue every variant reads, and the products the curve's orders
    buy (outside the catalogue's category); return the id of one live product of the
    catalogue and those of the products to order."""
    from sqlalchemy import create_engine, insert
    from sqlalchemy.pool import NullPool

    from shop.schema import products

    engine = create_engine(server.url(DATABASE), poolclass=NullPool)
    moment = datetime(2026, 11, 1, 12, 0, 0, 123456)
    rows = [
        {
            "sku": f"BENCH-{i:04d}",
            "name": f"Bench product {i:02d}",
            "description": "A product the benchmarks read",
            "category": "kitchen" if i % 2 else "garden",
            "price_cents": 100 + (i * 397) % 9000,
            "currency": "EUR",
            "stock": 10 + i,
            "version": 1,
            "created_at": moment,
            "updated_at": moment,
        }
        for i in range(1, SEEDED + 1)
    ]
    to_order = [
        {**rows[0], "sku": f"BENCH-ORDERS-{i}", "category": "orders", "stock": ORDERS_STOCK}
        for i in range(ORDER_PRODUCTS)
    ]
    with engine.begin() as conn:
        conn.execute(insert(products), rows)
        first = conn.execute(products.select().order_by(products.c.id).limit(1)).first()
        conn.execute(insert(products), to_order)
        ordered = conn.execute(
            products.select().where(products.c.category == "orders").order_by(products.c.id)
        ).all()
    engine.dispose()
    return first.id, [row.id for row in ordered]


def ca_bundle(test_ca: Path, into: Path) -> tuple[Path, int]:
    """Write the test CA plus public roots up to BUNDLE_CAS certificates; return (path, count)."""
    roots: list[bytes] = []
    for source in (ssl.get_default_verify_paths().cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if source and Path(source).is_file():
            roots = PEM.findall(Path(source).read_bytes())
            break
    if not roots:
        import certifi

        roots = PEM.findall(Path(certifi.where()).read_bytes())
    chosen = [test_ca.read_bytes(), *roots[: BUNDLE_CAS - 1]]
    into.write_bytes(b"".join(c if c.endswith(b"\n") else c + b"\n" for c in chosen))
    return into, len(chosen)


def main(argv=None) -> int:
    args = parse_args(argv)
    info = machine()
    log(f"bench: {info['date']}, {info['cpu']} x{info['cores']}, Python {info['python']}")
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        base = Path(tmp)
        log("building the api from a copy of the tree (cold, then no-op)")
        build = package.build_tree(ROOT, base / "tree", log=log)
        ours = package.ours(build)
        write_result("artifact_size_build", {"machine": info, **sizes(build)})
        extra = []
        for spec in args.tree:
            name, _, path = spec.partition("=")
            log(f"building --tree {name} from {path}")
            built = package.build_tree(Path(path).resolve(), base / f"tree-{name}", 1, log=log)
            extra.append(package.ours(built, name=name, label=f"{name} ({path})"))
        log(f"packaging the baselines from {args.venv}")
        site = package.venv_site(args.venv)
        baselines = {
            name: package.package_baseline(name, site, base / "zips", ours.function_zip)
            for name in package.BASELINES
        }
        no_pyc = package.without_bytecode(ours, base / "zips")
        variants = [ours, *extra, no_pyc, *baselines.values()]
        with bench_stack(DATABASE, max_connections=MAX_CONNECTIONS) as (server, env):
            product_id, order_product_ids = seed(server)
            bundle, cas = ca_bundle(server.tls.ca, base / "ca-bundle.pem")
            env = {**env, "SHOP_DB_CA_BUNDLE": str(bundle)}
            log(f"every variant verifies the server against a bundle of {cas} CAs")
            log(f"seeded {SEEDED} products; MariaDB on port {server.port} (TLS)")
            roots = coldstart.prepare(variants, base / "run")
            run_metrics(args, info, variants, roots, env, server, (product_id, order_product_ids))
        if "gateway" in args.only:
            problem = gateway.available()
            if problem:
                log(f"local gateway: skipped ({problem})")
                write_result("gateway", {"machine": info, "skipped": problem})
            else:
                log("local gateway throughput")
                write_result("gateway", {"machine": info, **gateway.measure(**gateway_load(args))})
    table = report.render()
    print(table)
    if not args.no_docs:
        path = report.write_docs(table)
        from docs import figures as docs_figures

        docs_figures.main([])  # the README's figures, from the same rows
        log(f"table written to {path.relative_to(ROOT)}, the README's figures re-rendered")
    return 0


def run_metrics(args, info, variants, roots, env, server, products) -> None:
    product_id, order_product_ids = products
    by = {v.name: v for v in variants}
    ours_builds = [v for v in variants if v.kind == "ours" and v.bytecode]
    if "coldstart" in args.only:
        log(f"cold start to the first DB-backed response: {args.runs} rounds")
        chosen = [*ours_builds, by["ours_no_bytecode"], *(by[n] for n in package.DB_BASELINES)]
        listing = event("list_products")
        samples = coldstart.run(
            chosen,
            roots,
            env,
            listing,
            args.runs,
            coldstart.db_check(CATEGORY_COUNT, PAGE_SIZE),
            "cold start, DB",
        )
        write_result(
            "coldstart_db",
            {
                "machine": info,
                "event": "GET /v1/products?category=kitchen&sort=price&page=1&page_size=10",
                "ours_reads": "extension",
                "runs": args.runs,
                "variants": coldstart.summarise(chosen, samples, "ours"),
            },
        )
    if "coldstart" in args.only:
        log("the cold path step by step (ours)")
        write_result("coldstart_steps", {"machine": info, **steps(roots["ours"], env, args.runs)})
    if "snapstart" in args.only:
        log(f"SnapStart, emulated: {args.runs} restores")
        figures = snapstart.measure(
            roots["ours"],
            by["ours"].handler,
            env,
            event("list_products"),
            args.runs,
            coldstart.db_check(CATEGORY_COUNT, PAGE_SIZE),
        )
        write_result("snapstart_emulated", {"machine": info, **figures})
    if "keepalive" in args.only:
        log(f"cold start to a keep-alive answer: {args.keepalive_runs} rounds")
        chosen = [*ours_builds, by["stdlib"]]
        ping = {"warmer": {"hold_ms": 0, "prime": False}}
        samples = coldstart.run(
            chosen, roots, env, ping, args.keepalive_runs, coldstart.keepalive_check, "keep-alive"
        )
        write_result(
            "coldstart_keepalive",
            {
                "machine": info,
                "event": ping,
                "runs": args.keepalive_runs,
                "variants": coldstart.summarise(chosen, samples, "ours"),
            },
        )
    if "warm" in args.only:
        log("warm routing + JSON, item route")
        chosen = [*ours_builds, *(by[n] for n in warm.VARIANTS if n != "ours")]
        figures = warm.measure(
            chosen,
            roots,
            env,
            event("get_product"),
            passes=1 if args.quick else 2,
        )
        write_result("warm_routing", {"machine": info, "event": "GET /v1/products/1", **figures})
    if "nullpool" in args.only:
        log("NullPool request over TLS")
        rounds = (3, 10) if args.quick else (12, 25)
        figures = nullpool.measure(
            roots["ours"], env, server, DATABASE, env["SHOP_DB_CA_BUNDLE"], *rounds
        )
        write_result("nullpool_tls", {"machine": info, **figures})
    if "concurrency" in args.only:
        log(f"concurrency curve against max_connections = {MAX_CONNECTIONS}")
        item = event(
            "get_product",
            path=f"/v1/products/{product_id}",
            pathParameters={"id": str(product_id)},
        )
        orders = {
            "events": [
                event(
                    "create_order",
                    body=json.dumps(
                        {
                            "customer_email": "curve@bench.shop.example.com",
                            "items": [{"product_id": pid, "quantity": 1}],
                        }
                    ),
                )
                for pid in order_product_ids
            ],
            "database": DATABASE,
            "product_ids": order_product_ids,
        }
        seconds = 2.0 if args.quick else 5.0
        figures = concurrency.curve(
            roots["ours"], env, server, item, seconds=seconds, orders=orders
        )
        write_result("concurrency", {"machine": info, **figures})
        draw_chart(args.venv)


def steps(root: Path, env: dict, runs: int) -> dict:
    """Median of each cold-path step over `runs` fresh interpreters (bench/workers/steps.py)."""
    import statistics

    listing = event("list_products")
    rounds = []
    for _ in range(runs):
        out = run_worker("steps.py", root, {"event": listing}, env)
        if out["status"] != 200 or out["aws_sdk"]:
            raise RuntimeError(f"the step-by-step cold path went wrong: {out}")
        rounds.append(out["steps"])
    names = [name for name, _ in rounds[0]]
    medians = {n: round(statistics.median(r[i][1] for r in rounds), 2) for i, n in enumerate(names)}
    return {"runs": runs, "steps_ms": medians}


def draw_chart(venv: Path) -> None:
    """Draw docs/benchmarks-concurrency.svg with the bench venv's plotting library."""
    import subprocess

    python = venv / "bin" / "python"
    source = ROOT / "bench" / "results" / "concurrency.json"
    done = subprocess.run(
        [str(python), "-m", "bench.chart", str(source), str(CHART)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/chart.py failed (is {venv} complete?):\n{done.stderr[-2000:]}")
    log(f"chart written to {CHART.relative_to(ROOT)}")


def gateway_load(args) -> dict:
    return {"seconds": 3.0, "warmup": 2.0} if args.quick else {}


def sizes(build: dict) -> dict:
    manifest = build["manifest"]
    api = manifest["functions"]["api"]
    layers = {name: manifest["layers"][name] for name in api["layers"]}
    spec = json.loads((ROOT / "functions" / "functions.json").read_text())
    budget_mb = spec["functions"]["api"].get("budget_mb", 5)
    total = api["size"] + sum(layer["size"] for layer in layers.values())
    return {
        "api_zip_bytes": api["size"],
        "layers_bytes": {name: layer["size"] for name, layer in layers.items()},
        "api_plus_layers_bytes": total,
        "unzipped_bytes": api["unzipped_size"] + sum(x["unzipped_size"] for x in layers.values()),
        "budget_mib": budget_mb,
        "share_of_budget": round(total / (budget_mb * 1024 * 1024), 3),
        "build_cold_s": round(build["cold_s"], 3),
        "build_noop_s": [round(s, 3) for s in build["noop_s"]],
        "note": "cold: build.py in a fresh copy of the tree, no build/, wheel cache warm",
    }


if __name__ == "__main__":
    raise SystemExit(main())
