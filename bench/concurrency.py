"""Concurrent environments through our NullPool path: one step, or the curve.

`curve` runs `measure` at 1, 10, 50, 100 and 200 environments against one
server whose max_connections is 50: below the limit every request gets
its connection; above it the server refuses some (MySQL error 1040) and
the api must answer those with a fast 503 and Retry-After, never hang.
Reads and orders both: every fourth request is a POST /v1/orders with its
own Idempotency-Key, and after each step the database must hold exactly
one order for each key answered 201, none for a key answered 503, and the
product's stock must have dropped by exactly what those orders took.

The load runs in its own process (bench/workers/concurrency.py, from the
unpacked artifact), which forks one child per environment, as Lambda runs
each environment in its own process; this process samples the server's Threads_connected
every ~10 ms over the admin socket (one connection, counted in the
baseline) from before the load starts until well after it ends, and reads
Aborted_connects / Aborted_clients before and after. Reported: the peak
above the baseline, how long after the last request the count was back
at the baseline, the aborted deltas, and the requests' statuses and
latencies.

The server counts a connection until its thread has finished with it, a
moment after the client closed it, so its count can run a connection or
two ahead of the client's; the worker therefore also counts the client's
side exactly (the engine's connect/close events).
"""

import shutil
import tempfile
import threading
import time
from pathlib import Path

from bench.measure import log, percentile, run_worker

STATUS = ("Threads_connected", "Aborted_connects", "Aborted_clients", "Max_used_connections")


def _status(cur) -> dict:
    cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN %s", (STATUS,))
    return {name: int(value) for name, value in cur.fetchall()}


ORDER_EVERY = 4  # every fourth request of an environment is an order
PROCESSES = 10  # the environments are dealt to at most this many processes, threads within
NICE = 10  # the environments' priority below the database's (bench/workers/concurrency.py)


def measure(root, env, server, event, threads=50, seconds=10.0, interval=0.01, orders=None) -> dict:
    """One step; `orders` = {"events", "database", "product_ids"} adds orders to the load."""
    every = f"{interval * 1000:g} ms"
    log(f"  {threads} threads for {seconds:g} s through NullPool, sampling every {every}")
    conn = server.admin()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    with conn.cursor() as cur:
        before = _status(cur)
        stock_before = _stock(cur, orders) if orders else None
        cur.execute("SHOW VARIABLES LIKE 'max_connections'")
        max_connections = int(cur.fetchone()[1])

    def sample():
        with conn.cursor() as cur:
            while not stop.is_set():
                cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
                samples.append((time.monotonic(), int(cur.fetchone()[1])))
                time.sleep(interval)

    out_dir = Path(tempfile.mkdtemp(prefix=f"shop-bench-curve-{threads}-"))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(0.3)
    try:
        spec = {
            "event": event,
            "threads": threads,
            "seconds": seconds,
            "out_dir": str(out_dir),
            "key_prefix": f"bench-{threads}-",
            "processes": PROCESSES,
            "nice": NICE,
        }
        if orders:
            spec |= {"order_events": orders["events"], "order_every": ORDER_EVERY}
        out = run_worker("concurrency.py", root, spec, env, timeout=seconds + 300)
        settle_until = time.monotonic() + 2.0
        while time.monotonic() < settle_until:
            time.sleep(0.05)
    finally:
        stop.set()
        sampler.join()
    with conn.cursor() as cur:
        after = _status(cur)
        checked = (
            _check_orders(cur, orders, out, stock_before, f"bench-{threads}-") if orders else None
        )
    conn.close()
    shutil.rmtree(out_dir, ignore_errors=True)

    start, end = out["start"], out["end"]
    baseline = min(v for t, v in samples if t < start)  # the sampler's own connection
    during = [v for t, v in samples if start <= t <= end]
    back = next((t for t, v in samples if t >= end and v <= baseline), None)
    intervals = [b[0] - a[0] for a, b in zip(samples, samples[1:], strict=False)]
    latencies = out["latencies_ms"]
    total = sum(out["statuses"].values()) + sum(out.get("order_statuses", {}).values())
    return {
        "threads": threads,
        "seconds": seconds,
        "max_connections": max_connections,
        "baseline_threads_connected": baseline,
        "peak_above_baseline": max(during) - baseline,
        "peak_client_connections": out["open_connections_peak"],
        "client_connections_after": out["open_connections_after"],
        "back_to_baseline_s": round(back - end, 3) if back is not None else None,
        "aborted_connects_delta": after["Aborted_connects"] - before["Aborted_connects"],
        "aborted_clients_delta": after["Aborted_clients"] - before["Aborted_clients"],
        "max_used_connections": after["Max_used_connections"],
        "requests": total,
        "requests_per_s": round(total / (end - start), 1),
        "statuses": out["statuses"],
        "order_statuses": out.get("order_statuses", {}),
        "orders": checked,
        "environments_failed": out.get("environments_failed", 0),
        "errors": out["errors"],
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p99": round(percentile(latencies, 99), 2),
            "max": round(max(latencies), 2),
        },
        "unavailable_by_cause": out.get("unavailable_by_cause", {}),
        "unavailable_latency_ms": (
            {
                "p50": round(percentile(out["unavailable_ms"], 50), 2),
                "p99": round(percentile(out["unavailable_ms"], 99), 2),
                "max": round(max(out["unavailable_ms"]), 2),
            }
            if out.get("unavailable_ms")
            else None
        ),
        # the refused requests' own CPU time: what is left of their latency is waiting
        "unavailable_cpu_ms": (
            {
                "p50": round(percentile(out["unavailable_cpu_ms"], 50), 2),
                "p99": round(percentile(out["unavailable_cpu_ms"], 99), 2),
            }
            if out.get("unavailable_cpu_ms")
            else None
        ),
        "processes": min(PROCESSES, threads),
        "sample_interval_ms": {
            "median": round(sorted(intervals)[len(intervals) // 2] * 1000, 2),
            "max": round(max(intervals) * 1000, 2),
        },
        "samples": [(round(t - start, 4), v) for t, v in samples],
    }


def _stock(cur, orders) -> int:
    """The stock left of every product the orders buy, summed."""
    cur.execute(
        f"SELECT SUM(stock) FROM {orders['database']}.products WHERE id IN %s",  # noqa: S608 (the bench's own name)
        (tuple(orders["product_ids"]),),
    )
    return int(cur.fetchone()[0])


def _check_orders(cur, orders, out, stock_before, prefix) -> dict:
    """Every key answered 201 has exactly one order, every key answered 503 none, and the
    stock dropped by exactly what the stored orders took."""
    database = orders["database"]
    answered = {status: set(keys) for status, keys in out["order_keys"].items()}
    cur.execute(
        "SELECT o.idempotency_key, COUNT(DISTINCT o.id), COALESCE(SUM(l.quantity), 0) "  # noqa: S608 (the bench's own name)
        f"FROM {database}.orders o JOIN {database}.order_lines l ON l.order_id = o.id "
        "WHERE o.idempotency_key LIKE %s GROUP BY o.idempotency_key",
        (f"{prefix}%",),
    )
    stored = {key: (count, taken) for key, count, taken in cur.fetchall()}
    taken = int(sum(q for _, q in stored.values()))
    stock_after = _stock(cur, orders)
    return {
        "answered_201": len(answered.get("201", ())),
        "answered_503": len(answered.get("503", ())),
        "stored": len(stored),
        "lost": len(answered.get("201", set()) - set(stored)),
        "duplicated": sum(1 for count, _ in stored.values() if count > 1),
        "stored_for_a_503": len(answered.get("503", set()) & set(stored)),
        "stored_never_answered_201": len(set(stored) - answered.get("201", set())),
        "stock_taken": stock_before - stock_after,
        "stock_taken_by_stored_orders": taken,
    }


STEPS = (1, 10, 50, 100, 200)


def curve(root, env, server, event, *, steps=STEPS, seconds=5.0, orders=None) -> dict:
    """Run `measure` once per step; return the steps (each with its Threads_connected
    samples, which bench/measure.py keeps out of the committed results)."""
    figures = []
    for threads in steps:
        with server.admin() as conn, conn.cursor() as cur:
            cur.execute("FLUSH STATUS")
        step = measure(root, env, server, event, threads=threads, seconds=seconds, orders=orders)
        figures.append(step)
        log(
            f"    {threads} workers: {step['requests_per_s']} req/s, "
            f"p99 {step['latency_ms']['p99']} ms, 503s {step['statuses'].get('503', 0)}, "
            f"orders {step['order_statuses']} {step['orders']}"
        )
    return {"max_connections": figures[0]["max_connections"], "seconds": seconds, "steps": figures}
