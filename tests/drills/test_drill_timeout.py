"""Drill: a handler forced past its deadline in the middle of an order.

Another client holds the product's row lock (SELECT ... FOR UPDATE), so the
order's conditional UPDATE blocks inside its transaction. The local stack
kills a worker that outlives its deadline, as Lambda resets a timed-out
environment; two deadlines are drilled: the function's own timeout (short
here; API Gateway then answers 502) and the gateway's integration timeout
(shorter than the function's; 504). Promised: the client gets the gateway's
answer at the deadline; the transaction is rolled back (no order row, stock
unchanged once the lock is released); the killed worker's connection is
closed, so Threads_connected returns to its baseline; a retry with the same
Idempotency-Key then places the order exactly once.
"""

import os
import time

import drillkit
import drillstack
import pytest

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

DEADLINE_S = 3
CASES = {
    "function-timeout": (
        {"api_timeout_s": DEADLINE_S},
        502,
        "INTEGRATION_FAILURE",
    ),
    "integration-timeout": (
        {"api_timeout_s": 15, "integration_timeout": DEADLINE_S},
        504,
        "INTEGRATION_TIMEOUT",
    ),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    return request.param


@pytest.fixture(scope="module")
def stack(case, drill_server, tmp_path_factory):
    options, _, _ = CASES[case]
    directory = tmp_path_factory.mktemp(f"stack-timeout-{case}")
    database = f"drill_timeout_{case.split('-')[0]}"
    with drillstack.local_stack(drill_server, directory, database=database, **options) as running:
        yield running


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_handler_killed_past_its_deadline_rolls_back_and_leaves_no_connection(
    case, stack, drill_server, client
):
    _, status, code = CASES[case]
    # GIVEN a product whose row another client holds locked
    product = stack.create_product("TIMEOUT-1", stock=10)
    drillkit.warm(client, 2)
    baseline = drill_server.threads_connected()
    workers_before = stack.api_workers()
    holder = drill_server.app_connection(stack.database)
    with holder.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT id FROM products WHERE id = %s FOR UPDATE", (product,))
    order = drillkit.Order(f"{case}@drill.example.com", [{"product_id": product, "quantity": 2}])

    # WHEN an order blocks on that lock past the deadline
    answer = drillkit.place(client, order, retry_until=0).final

    # THEN the client gets the gateway's answer, and the worker is gone. The order of
    # events, not a stopwatch, shows the deadline fired: the lock was still held, and
    # the server's own lock wait timeout (5 s, above the 3 s deadline) would have been
    # the function's 503 instead of the gateway's answer.
    assert answer.status == status and answer.body["error"]["code"] == code, answer
    killed = set(workers_before) - set(stack.api_workers())
    assert len(killed) == 1 and not process_exists(killed.pop())
    # ... the killed worker's session lingers on the server only while it waits for the lock
    lingering = [s for s in drill_server.app_sessions() if s[0] != holder.thread_id()]

    # WHEN the lock is released
    holder.rollback()
    holder.close()

    # THEN the server notices the dropped connection and rolls its transaction back
    idle = drill_server.wait_for_sessions(0, baseline=baseline)
    assert idle["app_sessions"] == [] and idle["threads_connected"] == baseline, idle
    assert drill_server.open_transactions() == []
    assert drill_server.query(
        stack.database, "SELECT COUNT(*) FROM orders WHERE idempotency_key = %s", (order.key,)
    ) == [(0,)]
    assert drill_server.query(
        stack.database, "SELECT stock FROM products WHERE id = %s", (product,)
    ) == [(10,)]

    # ... and the client's retry with the same key places the order exactly once
    retry = drillkit.place(client, order, retry_until=time.monotonic() + 30).final
    assert retry.status == 201, retry
    result = drillkit.reconcile(
        drill_server,
        stack.database,
        email=order.email,
        orders=[order],
        stock_before={product: 10},
    )
    assert result.ok, result
    drillkit.record(
        f"timeout_{case.replace('-', '_')}",
        {
            "deadline_s": DEADLINE_S,
            "answer": f"{answer.status} {code}",
            "answered_after_s": round(answer.elapsed, 2),
            "sessions_lingering_while_locked": len(lingering),
            "back_to_baseline_after_release_s": idle["seconds"],
            "order_rows_after_timeout": 0,
            "stock_changed": False,
            **result.figures(),
        },
    )
