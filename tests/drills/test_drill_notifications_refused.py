"""Drill: SES refuses some addresses for good while orders come in and the relay runs.

A local stand-in for SNS and SES (`fakeaws`) answers at once but refuses
every e-mail to one address (as SES does for an address on its suppression
list). 12 clients place 36 orders, a quarter of them for that address,
while the relay (the report function with `{"action": "relay"}`) runs over
and over beside them, so the api's sends after commit and the relay's race
for the same rows; then the relay runs until nothing is due.

Promised: every order is answered 201; no order lost or duplicated; every
good notification delivered exactly once, whoever sent it; each refused
e-mail tried exactly its attempts and parked, never tried again, and never
holding up another row.
"""

import threading

import drillkit
import drillstack
import pytest

from shop.notify import MAX_ATTEMPTS

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

CLIENTS, ORDERS_EACH = 12, 3  # 3 clients per api worker, so queueing for one stays short
WORKERS = 4
# The relay retries at once instead of after a real backoff (minutes), so the drill can follow it.
STACK_OPTIONS = {"concurrency": WORKERS, "function_env": {"SHOP_RELAY_BACKOFF_SECONDS": "0"}}
GOOD, GONE = "buyer@drill.example.com", "suppressed@drill.example.com"
REFUSED = {GONE}  # by SES, for good (the `fake` fixture)


def test_permanent_refusals_under_load_park_only_their_rows_and_every_good_send_lands_once(
    stack, drill_server, fake, client
):
    # GIVEN SNS and SES that answer at once but refuse one address for good
    orders, products = drillkit.orders_with_a_refused_address(
        stack, "REFUSED", good=GOOD, refused=GONE, count=CLIENTS * ORDERS_EACH
    )
    drillkit.warm(client, WORKERS)
    api_timeout = drillstack.tfvars_value("functions")["api"]["timeout_s"]
    chunks = [orders[i::CLIENTS] for i in range(CLIENTS)]

    # WHEN 12 clients place 3 orders each while the relay runs again and again beside them
    placing = threading.Event()
    placing.set()
    runs_during: list = []

    def relay_while_placing() -> None:
        while placing.is_set():
            result, error = stack.invoke("report", {"action": "relay"})
            runs_during.append((result, error))

    relay = threading.Thread(target=relay_while_placing)
    relay.start()
    try:
        drillkit.run_together(
            [lambda c=c: [drillkit.place(client, o, retry_until=0) for o in c] for c in chunks]
        )
    finally:
        placing.clear()
        relay.join()

    # THEN every order is answered 201 (not the gateway's 502 or 504 of a function past
    # its timeout), and every relay run beside them ended without an error
    answers = [o.final for o in orders]
    assert [a.status for a in answers] == [201] * len(orders), answers
    assert runs_during and all(error is None for _, error in runs_during), runs_during

    # WHEN the relay runs until nothing is due
    runs = []
    for _ in range(MAX_ATTEMPTS + 2):
        result, error = stack.invoke("report", {"action": "relay"})
        assert error is None, result
        runs.append(result)
        if result["backlog"]["rows"] == 0:
            break

    # THEN each good notification reached SNS or SES exactly once, whoever sent it
    ids = {o.order_id for o in orders}
    good_ids = {o.order_id for o in orders if o.email == GOOD}
    assert sorted(fake.events) == sorted(ids)
    assert sorted(fake.emails) == sorted(good_ids)
    # ... each refused e-mail was tried exactly its attempts, then parked and left alone
    rows = drillkit.outbox(drill_server, stack.database)
    parked = [r for r in rows if r[3] == "parked"]
    assert {(r[1], r[2], r[4]) for r in parked} == {(GONE, "order_email", MAX_ATTEMPTS)}
    assert len(parked) == len(ids - good_ids)
    assert fake.rejected == len(parked) * MAX_ATTEMPTS
    # ... and nothing else is left waiting
    assert {r[3] for r in rows if r not in parked} == {"sent"}
    assert runs[-1]["backlog"] == {"rows": 0, "oldest_age_s": 0.0}

    reconciled = drillkit.reconcile_by_address(drill_server, stack.database, orders, products)
    assert all(r.ok for r in reconciled), reconciled
    drillkit.record(
        "notifications_refused_under_load",
        {
            "clients": CLIENTS,
            "api_workers": WORKERS,
            "orders": len(orders),
            "by_status": drillkit.by_status(client.answers),
            "order_latency": drillkit.latency(answers),
            "api_timeout_s": api_timeout,
            "relay_runs_during_load": len(runs_during),
            "relay_runs_after": len(runs),
            **drillkit.deliveries(fake, parked, reconciled),
        },
    )
