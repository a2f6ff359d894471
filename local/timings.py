"""How long `make dev` takes to start, and what a request costs through it.

`make dev-timings` (`python -m local.timings`) starts `python -m local.stack`
as `make dev` does (free ports, storefront included, a scratch state dir),
`--runs` times over, and writes the medians to docs/results/local.json,
from which `make docs` renders the figures of docs/local.md:

- first start: a new state dir, so migrations and the 40-product seeding at
  the dev usage plan's rate; the same with `--no-throttle`;
- restart: the first start's state dir again (nothing to migrate or seed);
- through the gateway, on the same state restarted with `--no-throttle` (so
  the stage's rate limit is not what is measured): the first `GET` of a
  catalogue page (a new api worker: a cold start), then the same GET on the
  now warm worker, and with `--cache-ttl 300` a cache hit.

Each start is timed from spawning the process to its `ready` line, as a
person typing `make dev` waits for it (the stack's own "in N s" starts later,
after imports and preflight checks). It measures; it asserts nothing but that
each request answered 200 and the cold one really started a worker.
"""

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from local.launch import Launched, launch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "results" / "local.json"
WARM_REQUESTS = 50
PATH = "/v1/products?page_size=20&sort=price"  # a catalogue page: database-backed, cacheable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(state: Path, *extra: str) -> tuple[Launched, float, int]:
    """Start the stack on `state`; return it, the seconds to its ready line, its API port."""
    api_port = free_port()
    args = [
        "--api-port",
        str(api_port),
        "--web-port",
        str(free_port()),
        "--moto-port",
        str(free_port()),
        "--state-dir",
        str(state),
        *extra,
    ]
    log = state.parent / f"{state.name}-{api_port}.log"
    started = time.monotonic()
    stack = launch(args, log, timeout=180)
    return stack, time.monotonic() - started, api_port


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None):
    """GET `path`; return (milliseconds, status, headers, body)."""
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, response.status, {k.lower(): v for k, v in response.getheaders()}, body


def api_workers(port: int) -> list[dict]:
    _, status, _, body = get(port, "/_local/workers")
    assert status == 200, body
    pools = json.loads(body)
    return next(pool for name, pool in pools.items() if name.endswith("-api"))["workers"]


def requests_through_the_gateway(port: int, path: str) -> dict:
    """A cold GET on a new api worker, then WARM_REQUESTS warm ones (ms)."""
    before = {w["id"] for w in api_workers(port)}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cold, status, _, body = get(port, path, conn)
    assert status == 200, body
    new = [w for w in api_workers(port) if w["id"] not in before]
    assert new, "the first request did not start a new api worker: not a cold start"
    warm = []
    for _ in range(WARM_REQUESTS):
        ms, status, _, body = get(port, path, conn)
        assert status == 200, body
        warm.append(ms)
    conn.close()
    return {"cold_ms": cold, "warm_ms": statistics.median(warm)}


def cache_hit(port: int, path: str) -> float:
    """Median of WARM_REQUESTS cache hits on `path` (ms)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    get(port, path, conn)  # fills the entry
    hits = []
    for _ in range(WARM_REQUESTS):
        ms, status, headers, body = get(port, path, conn)
        assert status == 200 and headers.get("x-cache") == "hit", (status, headers, body)
        hits.append(ms)
    conn.close()
    return statistics.median(hits)


def one_run(scratch: Path) -> dict:
    state = scratch / "state"
    stack, first, _ = start(state)
    stack.stop()
    stack, restart, _ = start(state)
    stack.stop()
    # The requests go past the stage's throttle (dev: 20 per second), which is not measured.
    stack, _, port = start(state, "--no-throttle")
    try:
        through = requests_through_the_gateway(port, PATH)
    finally:
        stack.stop()
    stack, _, port = start(state, "--no-throttle", "--cache-ttl", "300")
    try:
        hit = cache_hit(port, PATH)
    finally:
        stack.stop()
    stack, unthrottled, _ = start(scratch / "state-no-throttle", "--no-throttle")
    stack.stop()
    return {
        "first_start_s": first,
        "first_start_no_throttle_s": unthrottled,
        "restart_s": restart,
        **through,
        "cache_hit_ms": hit,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    runs = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="shop-timings-") as scratch:
            runs.append(one_run(Path(scratch)))
        shown = ", ".join(f"{k} {v:.2f}" for k, v in runs[-1].items())
        print(f"run {number}/{args.runs}: {shown}", flush=True)
    medians = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0]}
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m": round(os.getloadavg()[0], 1),
        },
        "runs": args.runs,
        "path": PATH,
        "warm_requests": WARM_REQUESTS,
        "median": medians,
        "each_run": [{k: round(v, 3) for k, v in r.items()} for r in runs],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
