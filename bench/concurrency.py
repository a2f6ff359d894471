"""Concurrent workers through our NullPool path: one step, or the curve.

`curve` runs `measure` at 1, 10, 50, 100 and 200 workers against one
server whose max_connections is 150: below the limit every request gets
its connection; above it the server refuses some (MySQL error 1040) and
the api must answer those with a fast 503 and Retry-After, never hang.

The load runs in its own process (bench/workers/concurrency.py, from the
unpacked artifact); this process samples the server's Threads_connected
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

import threading
import time

from bench.measure import log, percentile, run_worker

STATUS = ("Threads_connected", "Aborted_connects", "Aborted_clients", "Max_used_connections")


def _status(cur) -> dict:
    cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN %s", (STATUS,))
    return {name: int(value) for name, value in cur.fetchall()}


def measure(root, env, server, event, threads=50, seconds=10.0, interval=0.01) -> dict:
    every = f"{interval * 1000:g} ms"
    log(f"  {threads} threads for {seconds:g} s through NullPool, sampling every {every}")
    conn = server.admin()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    with conn.cursor() as cur:
        before = _status(cur)
        cur.execute("SHOW VARIABLES LIKE 'max_connections'")
        max_connections = int(cur.fetchone()[1])

    def sample():
        with conn.cursor() as cur:
            while not stop.is_set():
                cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
                samples.append((time.monotonic(), int(cur.fetchone()[1])))
                time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(0.3)
    try:
        out = run_worker(
            "concurrency.py", root, {"event": event, "threads": threads, "seconds": seconds}, env
        )
        settle_until = time.monotonic() + 2.0
        while time.monotonic() < settle_until:
            time.sleep(0.05)
    finally:
        stop.set()
        sampler.join()
    with conn.cursor() as cur:
        after = _status(cur)
    conn.close()

    start, end = out["start"], out["end"]
    baseline = min(v for t, v in samples if t < start)  # the sampler's own connection
    during = [v for t, v in samples if start <= t <= end]
    back = next((t for t, v in samples if t >= end and v <= baseline), None)
    intervals = [b[0] - a[0] for a, b in zip(samples, samples[1:], strict=False)]
    latencies = out["latencies_ms"]
    total = sum(out["statuses"].values())
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
        "sample_interval_ms": {
            "median": round(sorted(intervals)[len(intervals) // 2] * 1000, 2),
            "max": round(max(intervals) * 1000, 2),
        },
        "samples": [(round(t - start, 4), v) for t, v in samples],
    }


STEPS = (1, 10, 50, 100, 200)


def curve(root, env, server, event, *, steps=STEPS, seconds=5.0) -> dict:
    """Run `measure` once per step; return the steps without their raw samples."""
    figures = []
    for threads in steps:
        with server.admin() as conn, conn.cursor() as cur:
            cur.execute("FLUSH STATUS")
        step = measure(root, env, server, event, threads=threads, seconds=seconds)
        step.pop("samples")
        figures.append(step)
        log(
            f"    {threads} workers: {step['requests_per_s']} req/s, "
            f"p99 {step['latency_ms']['p99']} ms, 503s {step['statuses'].get('503', 0)}"
        )
    return {"max_connections": figures[0]["max_connections"], "seconds": seconds, "steps": figures}
