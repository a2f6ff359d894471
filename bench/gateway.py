"""Local gateway throughput: GET /v1/products through `python -m local.stack`.

The stack runs as `make dev` runs it (SQLite, the seeded catalogue, real
api worker processes behind the local API Gateway), started twice: with
the cache off (`--cache-ttl 0`) and on (the default TTL), throttling off
so the figure is the stack's, not the stage's limit. The client is a pool
of threads, each with its own keep-alive http.client connection, sending
the same GET for a fixed time after a warm-up that brings every api
worker up. Reported: requests/s, p50/p99/max latency, statuses and the
cache's hit ratio (from `x-cache`).
"""

import http.client
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.measure import ROOT, log, percentile
from bench.stack import free_port
from local.launch import Launched, launch

PATH = "/v1/products?page_size=20&sort=price"
SAMPLES = 2000  # raw latencies kept in the results file


def available() -> str | None:
    """Return why the local stack cannot be measured, or None if it can."""
    if not (ROOT / "local" / "stack.py").is_file():
        return "local/stack.py is not in this tree yet"
    return None


def _start(state: Path, api_port: int, cache_ttl: float) -> Launched:
    args = [
        "--api-port",
        str(api_port),
        "--moto-port",
        str(free_port()),
        "--no-web",
        "--no-throttle",
        "--state-dir",
        str(state),
        "--cache-ttl",
        f"{cache_ttl:g}",
    ]
    return launch(args, state.parent / f"stack-{api_port}.log")


def _load(port: int, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses, cache = Counter(), Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, seen, hits = [], Counter(), Counter()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request("GET", PATH, headers={"Accept": "application/json"})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            seen[response.status] += 1
            hits[response.getheader("x-cache", "none")] += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)
            cache.update(hits)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    total = len(latencies)
    return {
        "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p99": round(percentile(latencies, 99), 2),
            "max": round(max(latencies), 2),
        },
        "statuses": {str(k): v for k, v in statuses.items()},
        "x_cache": dict(cache),
        # every n-th latency, in the order they were collected (the figures above use all)
        "latency_samples_ms": [round(x, 3) for x in latencies[:: max(1, total // SAMPLES)]],
    }


def measure(clients: int = 4, seconds: float = 8.0, warmup: float = 3.0) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="shop-bench-gateway-") as tmp:
        state = Path(tmp) / "state"
        for label, ttl in (("cache_off", 0), ("cache_on", 300)):
            port = free_port()
            log(f"  local gateway, {label}: starting the stack on port {port}")
            stack = _start(state, port, ttl)
            try:
                _load(port, clients, warmup)
                log(f"  local gateway, {label}: {clients} clients for {seconds:g} s")
                results[label] = _load(port, clients, seconds)
            finally:
                stack.stop()
    return {"path": PATH, "clients": clients, "seconds": seconds, "warmup_s": warmup, **results}
