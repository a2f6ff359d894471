"""N threads sending requests through our handler for S seconds.

The api's real entry point (shop.handlers.api.handler) is initialised by
one request, then N threads call it with GET /v1/products/{id} until the
deadline: every call opens one NullPool connection over TLS, runs the
SELECT and closes it. PyMySQL's connect and socket close are wrapped to
count the sockets this process has open to the server at any moment, from
just before the TCP connect to just after the close (exactly, on the
client side). Prints when the load started and ended (time.monotonic,
comparable with the sampler in the parent process), the peak of open
connections, the answers by status and the per-request latencies.
"""

import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path


def setup_path(spec: dict) -> None:
    stdlib = [p for p in sys.path[1:] if "site-packages" not in p]
    sys.path[:] = [spec["task"], spec["opt"] + "/python", spec["opt"], spec["runtime"], *stdlib]


class Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-api:dev"
    function_name = "shop-dev-api"
    function_version = "7"
    aws_request_id = "req-concurrency-bench"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self):
        return 10_000


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    import pymysql.connections

    from shop.handlers import api

    handler = api.handler
    event, context = spec["event"], Context()
    first = handler(event, context)
    if first.get("statusCode") != 200:
        raise SystemExit(f"the first request failed: {first}")
    statuses, latencies, errors = Counter(), [], []
    unavailable, unavailable_ms = Counter(), []
    lock = threading.Lock()
    open_now, open_peak = [0], [0]

    def opened(*_):
        with lock:
            open_now[0] += 1
            open_peak[0] = max(open_peak[0], open_now[0])

    def closed(*_):
        with lock:
            open_now[0] -= 1

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
    start_gate = threading.Barrier(spec["threads"] + 1)

    def worker():
        mine, seen, causes, refused = [], Counter(), Counter(), []
        start_gate.wait()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                answer = handler(event, context)
                seen[answer["statusCode"]] += 1
                if answer["statusCode"] == 503:
                    refused.append((time.perf_counter() - started) * 1000)
                    message = json.loads(answer["body"])["error"]["message"]
                    retry = "Retry-After" in answer["headers"]
                    causes[f"{message}{'' if retry else ' (no Retry-After!)'}"] += 1
            except Exception as exc:  # never expected: the handler answers every failure
                seen["exception"] += 1
                with lock:
                    errors.append(repr(exc))
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            statuses.update(seen)
            latencies.extend(mine)
            unavailable.update(causes)
            unavailable_ms.extend(refused)

    threads = [threading.Thread(target=worker) for _ in range(spec["threads"])]
    for thread in threads:
        thread.start()
    start = time.monotonic()
    deadline = start + spec["seconds"]
    start_gate.wait()
    for thread in threads:
        thread.join()
    end = time.monotonic()
    print(
        json.dumps(
            {
                "start": start,
                "end": end,
                "statuses": {str(k): v for k, v in statuses.items()},
                "open_connections_peak": open_peak[0],
                "open_connections_after": open_now[0],
                "errors": errors[:10],
                "latencies_ms": latencies,
                "unavailable_by_cause": dict(unavailable),
                "unavailable_ms": unavailable_ms,
            }
        )
    )


if __name__ == "__main__":
    main()
