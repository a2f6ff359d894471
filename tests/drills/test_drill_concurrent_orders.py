"""Drills: concurrent orders for the last units, and retries with an Idempotency-Key
racing each other.

Promised: stock is never oversold (each line is a conditional UPDATE), the
losers get 409 `out_of_stock`; lines are taken in product-id order, so two
orders listing the same products in opposite orders never deadlock; N
concurrent copies of one request with the same key make exactly one order
(one 201, the others replay it with 200), and the same key with another body
is a 409.
"""

import os
import select
import signal
import socket
import time

import drillkit
import pytest

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 6}
ROUNDS = 3
BURST_CONNECTIONS = 32


@pytest.fixture(scope="module", autouse=True)
def warm_stack(stack):
    drillkit.warm(drillkit.Client(stack.api_url), STACK_OPTIONS["concurrency"])


def race(client, orders) -> list[drillkit.Order]:
    """Send every order at once; a 503 or a reset connection is retried with the same key."""
    until = time.monotonic() + 60
    return drillkit.run_together(
        [lambda o=o: drillkit.place(client, o, retry_until=until) for o in orders]
    )


def keyed_orders(
    stack, sku: str, *, stock: int, email: str, buyers: int, quantity: int, sends: int
):
    """A new product with `stock` units and `buyers` orders of `quantity` of it, each
    to be sent `sends` times under its own Idempotency-Key.

    Returns the product id, the orders and every send of them.
    """
    product = stack.create_product(sku, stock=stock)
    orders = [
        drillkit.Order(email, [{"product_id": product, "quantity": quantity}])
        for _ in range(buyers)
    ]
    return product, orders, [send for order in orders for send in order.copies(sends)]


def finals_of(order: drillkit.Order, sends: list[drillkit.Order]) -> list[drillkit.Answer]:
    """The outcome of every send of `order` (those under its key)."""
    return [s.final for s in sends if s.key == order.key]


def out_of_stock(answer: drillkit.Answer) -> bool:
    return answer.status == 409 and answer.body["error"]["code"] == "out_of_stock"


def test_the_last_units_are_never_oversold_and_the_losers_get_409(stack, drill_server, client):
    figures = {"rounds": 0, "requests": 0, "won": 0, "lost_race_409": 0, "oversold": 0}
    for round_ in range(ROUNDS):
        # GIVEN 5 units left and 16 buyers of one unit each
        product = stack.create_product(f"LAST-{round_}", stock=5)
        email = f"last-units-{round_}@drill.example.com"
        orders = [
            drillkit.Order(email, [{"product_id": product, "quantity": 1}]) for _ in range(16)
        ]

        # WHEN they all order at once
        race(client, orders)

        # THEN exactly 5 win, the 11 others get 409 out_of_stock, and stock is 0
        finals = [o.final for o in orders]
        assert sorted(a.status for a in finals) == [201] * 5 + [409] * 11, finals
        assert all(out_of_stock(a) for a in finals if a.status == 409)
        result = drillkit.reconcile(
            drill_server, stack.database, email=email, orders=orders, stock_before={product: 5}
        )
        assert result.ok, result
        assert result.stock_actual == {product: 0}
        figures["rounds"] += 1
        figures["requests"] += sum(len(o.answers) for o in orders)
        figures["won"] += 5
        figures["lost_race_409"] += 11
    drillkit.record("last_units", figures)


def test_mixed_quantities_never_oversell_and_every_loser_wanted_more_than_was_left(
    stack, drill_server, client
):
    # GIVEN 10 units and 12 buyers wanting 1 to 4 each (30 in all)
    product = stack.create_product("MIXED-1", stock=10)
    email = "mixed@drill.example.com"
    orders = [
        drillkit.Order(email, [{"product_id": product, "quantity": 1 + i % 4}]) for i in range(12)
    ]

    # WHEN they all order at once
    race(client, orders)

    # THEN what was sold never exceeds the stock, and each refusal was deserved
    result = drillkit.reconcile(
        drill_server, stack.database, email=email, orders=orders, stock_before={product: 10}
    )
    assert result.ok, result
    left = result.stock_actual[product]
    assert left >= 0
    losers = [o for o in orders if not o.confirmed]
    assert all(out_of_stock(o.final) for o in losers)
    assert all(o.items[0]["quantity"] > left for o in losers), (left, losers)
    drillkit.record(
        "mixed_quantities",
        {
            "requests": sum(len(o.answers) for o in orders),
            "units_asked": 30,
            "units_sold": 10 - left,
            "left": left,
            "by_status": drillkit.by_status([o.final for o in orders]),
            **result.figures(),
        },
    )


def test_orders_listing_products_in_opposite_orders_do_not_deadlock(stack, drill_server, client):
    # GIVEN two products with 6 units each; half the buyers list A then B, half B then A
    a = stack.create_product("PAIR-A", stock=6)
    b = stack.create_product("PAIR-B", stock=6)
    email = "pairs@drill.example.com"
    forward = [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}]
    orders = [drillkit.Order(email, forward if i % 2 else forward[::-1]) for i in range(12)]

    # WHEN they all order at once
    race(client, orders)

    # THEN no deadlock surfaced (no 503 at all), 6 won, 6 got 409, both stocks are 0
    answers = [x for o in orders for x in o.answers]
    assert [x for x in answers if x.status == 503] == []
    assert sorted(o.final.status for o in orders) == [201] * 6 + [409] * 6, answers
    result = drillkit.reconcile(
        drill_server, stack.database, email=email, orders=orders, stock_before={a: 6, b: 6}
    )
    assert result.ok, result
    assert result.stock_actual == {a: 0, b: 0}
    drillkit.record(
        "opposite_line_order",
        {"requests": len(answers), "by_status": drillkit.by_status(answers), **result.figures()},
    )


def test_concurrent_retries_with_one_key_make_exactly_one_order(stack, drill_server, client):
    # GIVEN 6 orders, each sent 6 times at once with its own Idempotency-Key
    email = "idempotency@drill.example.com"
    product, logical, copies = keyed_orders(
        stack, "IDEM-1", stock=1000, email=email, buyers=6, quantity=2, sends=6
    )

    # WHEN all 36 copies arrive together
    race(client, copies)

    # THEN each key has one 201 and five 200 replays of the very same order
    for order in logical:
        finals = finals_of(order, copies)
        assert sorted(a.status for a in finals) == [200] * 5 + [201], finals
        assert len({a.body["id"] for a in finals}) == 1
        assert all(a.headers.get("idempotent-replay") == "true" for a in finals if a.status == 200)
        assert len({a.text for a in finals}) == 1, "a replay differs from the original answer"
        order.answers = [next(a for a in finals if a.status == 201)]
    # ... and the database has exactly one order per key; stock was taken once per key
    result = drillkit.reconcile(
        drill_server, stack.database, email=email, orders=logical, stock_before={product: 1000}
    )
    assert result.ok, result
    answers = [a for c in copies for a in c.answers]
    drillkit.record(
        "idempotent_retries",
        {
            "keys": len(logical),
            "requests": len(answers),
            "by_status": drillkit.by_status(answers),
            "connection_resets_retried": client.resets,
            **result.figures(),
        },
    )


def test_one_key_with_two_different_bodies_makes_one_order_and_a_409(stack, drill_server, client):
    # GIVEN one key sent 3 times with body A and 3 times with body B, all at once
    product = stack.create_product("IDEM-2", stock=100)
    email = "key-reuse@drill.example.com"
    key = "drill-reused-key"
    first = drillkit.Order(email, [{"product_id": product, "quantity": 1}], key=key)
    second = drillkit.Order(email, [{"product_id": product, "quantity": 2}], key=key)
    copies = first.copies(3) + second.copies(3)

    # WHEN they race
    race(client, copies)

    # THEN one body won (one 201, two 200), the other body got 409 conflict three times
    winner = next(c for c in copies if c.final.status == 201)
    same = [c.final for c in copies if c.items == winner.items]
    other = [c.final for c in copies if c.items != winner.items]
    assert sorted(a.status for a in same) == [200, 200, 201], same
    assert [a.status for a in other] == [409] * 3, other
    assert {a.body["error"]["field"] for a in other} == {"Idempotency-Key"}
    result = drillkit.reconcile(
        drill_server, stack.database, email=email, orders=[winner], stock_before={product: 100}
    )
    assert result.ok, result
    drillkit.record(
        "key_reused_with_another_body",
        {"requests": len(copies), "by_status": drillkit.by_status([c.final for c in copies])},
    )


def test_duplicate_retries_racing_for_the_last_units(stack, drill_server, client):
    # GIVEN 3 units, and 5 buyers of one unit each, each sending 3 copies of their order
    email = "idempotent-last@drill.example.com"
    product, logical, copies = keyed_orders(
        stack, "IDEM-LAST", stock=3, email=email, buyers=5, quantity=1, sends=3
    )

    # WHEN all 15 copies arrive together (a 503, e.g. a resolved deadlock, is retried)
    race(client, copies)

    # THEN 3 keys won (one 201 + replays each), 2 keys got only 409, stock is 0
    outcomes = {}
    for order in logical:
        finals = finals_of(order, copies)
        statuses = sorted(a.status for a in finals)
        assert statuses in ([200, 200, 201], [409, 409, 409]), finals
        outcomes[order.key] = statuses[-1]
        if statuses[-1] == 201:
            order.answers = [next(a for a in finals if a.status == 201)]
        else:
            order.answers = [finals[0]]
    assert sorted(outcomes.values()) == [201, 201, 201, 409, 409]
    result = drillkit.reconcile(
        drill_server, stack.database, email=email, orders=logical, stock_before={product: 3}
    )
    assert result.ok, result
    assert result.stock_actual == {product: 0}
    answers = [a for c in copies for a in c.answers]
    drillkit.record(
        "idempotent_retries_for_the_last_units",
        {
            "requests": len(answers),
            "by_status": drillkit.by_status(answers),
            "deadlocks_answered_503": sum(1 for a in answers if a.status == 503),
            **result.figures(),
        },
    )


def test_a_burst_of_new_connections_is_queued_while_the_gateway_is_busy(stack):
    # GIVEN a gateway too busy to accept (its process paused for a moment)
    address = ("127.0.0.1", int(stack.api_url.rsplit(":", 1)[1]))
    sockets = [socket.socket() for _ in range(BURST_CONNECTIONS)]
    os.kill(stack.process.pid, signal.SIGSTOP)
    try:
        # WHEN that many clients connect at once
        for sock in sockets:
            sock.setblocking(False)
            sock.connect_ex(address)
        _, connected, _ = select.select([], sockets, [], 1.0)
        established = [
            s for s in connected if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        ]
    finally:
        os.kill(stack.process.pid, signal.SIGCONT)
        for sock in sockets:
            sock.close()

    # THEN the kernel queues every one of them for the gateway, as API Gateway takes a burst
    drillkit.record(
        "connection_burst",
        {"connections": BURST_CONNECTIONS, "established_while_paused": len(established)},
    )
    assert len(established) == BURST_CONNECTIONS
