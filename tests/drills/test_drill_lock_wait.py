"""Drill: an order waits on a row lock that another client holds for long.

With dev's timeouts (function 15 s, database read 10 s) the function gives
up first. Promised: the client gets a 503 with Retry-After that says the
database is busy, before the function's deadline; and giving up leaves
nothing on the server: no session of the function still waiting for the
lock, holding the order's own row locks (its Idempotency-Key), which a
client's retry would queue behind, one more session per retry.
"""

import time

import drillkit
import pytest

from shop.db import UNAVAILABLE_CODES

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 2}
FUNCTION_TIMEOUT_S = 15  # envs/dev.tfvars
RETRIES_WHILE_LOCKED = 1


def test_a_long_lock_wait_ends_in_503_and_leaves_no_session_behind(stack, drill_server, client):
    # GIVEN a product whose row another client holds locked
    product = stack.create_product("LOCKED-1", stock=10)
    drillkit.warm(client, 1)
    holder = drill_server.app_connection(stack.database)
    with holder.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("SELECT id FROM products WHERE id = %s FOR UPDATE", (product,))
    order = drillkit.Order("lock-wait@drill.example.com", [{"product_id": product, "quantity": 1}])
    try:
        # WHEN the order, and then its retries with the same key, wait on that lock
        answers, lingering = [], []
        for _ in range(1 + RETRIES_WHILE_LOCKED):
            answers.append(drillkit.place(client, order, retry_until=0).final)
            lingering.append([s for s in drill_server.app_sessions() if s[0] != holder.thread_id()])
    finally:
        holder.rollback()
        holder.close()
    drillkit.record(
        "lock_wait",
        {
            "answers": [f"{a.status} {a.body['error']['message']}" for a in answers],
            "answered_after_s": [round(a.elapsed, 2) for a in answers],
            "sessions_lingering_after_each_answer": [len(s) for s in lingering],
        },
    )

    # THEN each gets a 503 that says the database is busy, before the function's deadline
    assert all(a.is_unavailable() for a in answers), answers
    assert {a.body["error"]["message"] for a in answers} == {UNAVAILABLE_CODES[1205]}
    # ... and no session of the function is left waiting behind the lock
    assert lingering == [[]] * len(answers)

    # ... and once the lock is gone the retry places the order exactly once
    retry = drillkit.place(client, order, retry_until=time.monotonic() + 30).final
    assert retry.status == 201
    result = drillkit.reconcile(
        drill_server, stack.database, email=order.email, orders=[order], stock_before={product: 10}
    )
    assert result.ok, result
