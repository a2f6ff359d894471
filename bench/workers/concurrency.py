"""N environments sending requests through our handler for S seconds.

The api's real entry point (shop.api.handler) is initialised by one
request in this process, which then forks P children (`processes`) and
deals the N environments to them, each environment a thread of its child:
in Lambda every environment is a process of its own, and 200 threads in one
interpreter would queue each request behind 199 others for the GIL. Each
environment calls the handler in a loop until the deadline: reads
(GET /v1/products/{id}) and, when the spec has order events, every
`order_every`-th request an order (POST /v1/orders, the environment's
product) with its own Idempotency-Key. Every call opens one NullPool connection over TLS and
closes it. PyMySQL's connect and socket close are wrapped to count the
sockets all children have open to the server at any moment (a counter in
shared memory), from just before the TCP connect to just after the close.
Prints when the load started and ended (time.monotonic, comparable with the
sampler in the parent process), the peak of open connections, the answers
by kind and status, the per-request latencies, and the keys of the orders
answered 201 and 503 so the parent can check the database for each.
"""

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import Context, setup_path


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    import multiprocessing

    import pymysql.connections

    from shop import api

    handler = api.handler
    context = Context("req-concurrency-init")
    read, orders = spec["event"], spec.get("order_events") or []
    first = handler(read, context)
    if first.get("statusCode") != 200:
        raise SystemExit(f"the first request failed: {first}")
    counts = multiprocessing.Array("i", 2)  # open now, peak; with its own lock
    start_at = multiprocessing.Value("d", 0.0)
    gate = multiprocessing.Event()

    def opened():
        with counts.get_lock():
            counts[0] += 1
            counts[1] = max(counts[1], counts[0])

    def closed():
        with counts.get_lock():
            counts[0] -= 1

    original_connect = pymysql.connections.Connection.connect
    original_close = pymysql.connections.Connection._force_close

    def connect(self, sock=None):
        opened()
        try:
            return original_connect(self, sock)
        except BaseException:
            closed()
            raise

    def force_close(self):
        had_socket = self._sock is not None
        original_close(self)
        if had_socket:
            closed()

    pymysql.connections.Connection.connect = connect
    pymysql.connections.Connection._force_close = force_close
    out_dir = Path(spec["out_dir"])
    # In AWS the database has CPUs of its own; here it shares two with every
    # environment. At equal priority the environments starve the server, which
    # then accepts connections too slowly for its count ever to reach the limit:
    # they run a step below it.
    os.nice(spec.get("nice", 0))
    sys.stdout.flush()
    children = []
    groups = spread(spec["threads"], spec.get("processes") or spec["threads"])
    for group, numbers in enumerate(groups):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                gate.wait()
                results = together(
                    lambda n: environment(handler, read, orders, spec, n, start_at.value), numbers
                )
                (out_dir / f"group-{group}.json").write_text(json.dumps(merge(results)))
                code = 0
            finally:
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)
    start = time.monotonic()
    start_at.value = start
    gate.set()
    failed = sum(os.waitpid(pid, 0)[1] != 0 for pid in children)
    end = time.monotonic()
    merged = merge([json.loads(p.read_text()) for p in sorted(out_dir.glob("group-*.json"))])
    print(
        json.dumps(
            {
                "start": start,
                "end": end,
                "environments_failed": failed,
                "open_connections_peak": counts[1],
                "open_connections_after": counts[0],
                **merged,
            }
        )
    )


def spread(environments: int, processes: int) -> list[list[int]]:
    """Environment numbers 0..environments-1 dealt to `processes` groups."""
    processes = max(1, min(processes, environments))
    return [list(range(g, environments, processes)) for g in range(processes)]


def together(run, numbers: list[int]) -> list[dict]:
    """run(n) for every n, each in its own thread (the process's environments)."""
    import threading

    results = [None] * len(numbers)

    def one(i, n):
        results[i] = run(n)

    threads = [threading.Thread(target=one, args=(i, n)) for i, n in enumerate(numbers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if None in results:
        raise RuntimeError("an environment's loop failed")
    return results


def environment(handler, read, orders, spec, number, start) -> dict:
    """One environment's loop until the deadline: what it sent and what it got."""
    context = Context(f"req-concurrency-{number}")
    deadline = start + spec["seconds"]
    every = spec.get("order_every", 0) if orders else 0
    order = orders[number % len(orders)] if orders else None
    seen = {"read": Counter(), "order": Counter()}
    latencies, refused, refused_cpu, causes, errors = [], [], [], Counter(), []
    keys = {"201": [], "503": []}
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        kind = "order" if every and sent % every == 0 else "read"
        event = read
        if kind == "order":
            key = f"{spec['key_prefix']}{number}-{sent}"
            event = {**order, "headers": {**order["headers"], "Idempotency-Key": key}}
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            answer = handler(event, context)
        except Exception as exc:  # never expected: the handler answers every failure
            seen[kind]["exception"] += 1
            errors.append(repr(exc))
            continue
        took = (time.perf_counter() - started) * 1000
        status = answer["statusCode"]
        seen[kind][str(status)] += 1
        latencies.append(took)
        if status == 503:
            refused.append(took)
            refused_cpu.append((time.thread_time() - cpu) * 1000)
            message = json.loads(answer["body"])["error"]["message"]
            retry = "Retry-After" in answer["headers"]
            causes[f"{message}{'' if retry else ' (no Retry-After!)'}"] += 1
        if kind == "order" and str(status) in keys:
            keys[str(status)].append(key)
    return {
        "statuses": seen["read"],
        "order_statuses": seen["order"],
        "latencies_ms": latencies,
        "unavailable_ms": refused,
        "unavailable_cpu_ms": refused_cpu,
        "unavailable_by_cause": causes,
        "order_keys": keys,
        "errors": errors[:10],
    }


def merge(results: list[dict]) -> dict:
    total = {
        "statuses": Counter(),
        "order_statuses": Counter(),
        "latencies_ms": [],
        "unavailable_ms": [],
        "unavailable_cpu_ms": [],
        "unavailable_by_cause": Counter(),
        "order_keys": {"201": [], "503": []},
        "errors": [],
    }
    for result in results:
        for name in ("statuses", "order_statuses", "unavailable_by_cause"):
            total[name].update(result[name])
        for name in ("latencies_ms", "unavailable_ms", "unavailable_cpu_ms", "errors"):
            total[name] += result[name]
        for status, keys in result["order_keys"].items():
            total["order_keys"][status] += keys
    total["errors"] = total["errors"][:10]
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in total.items()}


if __name__ == "__main__":
    main()
