"""Drill: the database's max_connections is exhausted.

The server's limit is lowered to MariaDB's minimum and every slot is taken
by other clients of the same (non-SUPER) user, as a leak or a burst of
another function would. Promised: requests get a 503 JSON error with
Retry-After at once, no worker crashes; with a few slots free again, clients
that retry with their Idempotency-Key each end with exactly one order; after
the hogs leave, the server's connections are back to the baseline.
"""

import time

import drillkit
import drillstack
import pymysql
import pytest

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 6}
BURST = 12
LOW_MAX_CONNECTIONS = 10  # the smallest value MariaDB accepts
INITIAL_STOCK = 10_000
EMAIL = "max-connections@drill.example.com"


def take_every_slot(server: drillstack.DrillServer, database: str) -> list[pymysql.Connection]:
    """Open app-user connections until the server refuses with 1040; return them."""
    hogs = []
    for _ in range(LOW_MAX_CONNECTIONS + 5):
        try:
            hogs.append(server.app_connection(database))
        except pymysql.err.OperationalError as exc:
            assert exc.args[0] == 1040, exc
            return hogs
    raise AssertionError("max_connections never refused a connection")


def test_exhausted_connections_answer_503_then_recover_with_exactly_one_order_per_key(
    stack, drill_server, client
):
    # GIVEN a warm stack and the server's baseline
    product = stack.create_product("MAXCONN-1", stock=INITIAL_STOCK)
    drillkit.warm(client, STACK_OPTIONS["concurrency"])
    baseline = drill_server.threads_connected()
    workers_before = stack.api_workers()
    original_max = drill_server.global_value("SELECT @@GLOBAL.max_connections")
    orders = [
        drillkit.Order(EMAIL, [{"product_id": product, "quantity": 1 + i % 3}])
        for i in range(BURST)
    ]
    hogs: list[pymysql.Connection] = []
    try:
        with drill_server.admin() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL max_connections = {LOW_MAX_CONNECTIONS}")
        hogs = take_every_slot(drill_server, stack.database)
        slots_taken = len(hogs)

        # WHEN a burst of orders and reads arrives with every slot taken
        burst = drillkit.run_together(
            [lambda o=o: drillkit.place(client, o, retry_until=0) for o in orders]
            + [lambda: client.request("GET", f"/v1/products/{product}")] * 4
            + [lambda: client.request("GET", "/v1/health")] * 4
        )
        saturated = list(client.answers)

        # THEN each gets the promised 503 at once, saying why, and nothing crashed
        assert len(saturated) == len(burst)
        assert [a for a in saturated if not a.is_unavailable()] == []
        assert {a.body["error"]["message"] for a in saturated} == {
            "the database has too many connections"
        }
        assert stack.alive() and set(workers_before) <= set(stack.api_workers())

        # WHEN two slots free up and the clients retry with the same keys
        for hog in hogs[:2]:
            hog.close()
        hogs = hogs[2:]
        retry_until = time.monotonic() + 60
        drillkit.run_together(
            [lambda o=o: drillkit.place(client, o, retry_until=retry_until) for o in orders]
        )
    finally:
        for hog in hogs:
            hog.close()
        with drill_server.admin() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL max_connections = {int(original_max)}")

    # THEN every client has exactly one order and stock matches
    retried = client.answers[len(saturated) :]
    assert {a.status for a in retried} <= {201, 503}, drillkit.by_status(retried)
    assert all(o.confirmed for o in orders)
    result = drillkit.reconcile(
        drill_server,
        stack.database,
        email=EMAIL,
        orders=orders,
        stock_before={product: INITIAL_STOCK},
    )
    assert result.ok, result

    # ... and once the hogs are gone, the server is back to its baseline
    idle = drill_server.wait_for_sessions(0, baseline=baseline)
    assert idle["app_sessions"] == [] and idle["threads_connected"] == baseline, idle
    assert client.request("GET", "/v1/health").status == 200
    assert set(workers_before) <= set(stack.api_workers())

    drillkit.record(
        "max_connections",
        {
            "max_connections": LOW_MAX_CONNECTIONS,
            "slots_taken_by_other_clients": slots_taken,
            "requests_saturated": len(saturated),
            "connection_resets_retried": client.resets,
            "by_status_saturated": drillkit.by_status(saturated),
            "latency_503_saturated": drillkit.latency(saturated),
            "requests_with_two_free_slots": len(retried),
            "by_status_with_two_free_slots": drillkit.by_status(retried),
            **result.figures(),
            "workers_replaced": len(set(workers_before) - set(stack.api_workers())),
            "threads_connected_baseline_after_s": idle["seconds"],
        },
    )
