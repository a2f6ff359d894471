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
import pytest

from shop.notify import MAX_ATTEMPTS

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

CLIENTS, ORDERS_EACH = 12, 3  # 3 clients per api worker, so queueing for one stays short
WORKERS = 4
STACK_OPTIONS = {"concurrency": WORKERS, "function_env": drillkit.RELAY_AT_ONCE}
GONE = "suppressed@drill.example.com"
REFUSED = {GONE}  # by SES, for good (the `fake` fixture)


def test_permanent_refusals_under_load_park_only_their_rows_and_every_good_send_lands_once(
    stack, drill_server, fake, client
):
    # GIVEN SNS and SES that answer at once but refuse one address for good
    orders, products = drillkit.orders_with_a_refused_address(
        stack, "REFUSED", refused=GONE, count=CLIENTS * ORDERS_EACH
    )
    drillkit.warm(client, WORKERS)

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
        answers = drillkit.place_from(client, orders, clients=CLIENTS)
    finally:
        placing.clear()
        relay.join()

    # THEN every order is answered 201 (not the gateway's 502 or 504 of a function past
    # its timeout), and every relay run beside them ended without an error
    assert [a.status for a in answers] == [201] * len(orders), answers
    assert runs_during and all(error is None for _, error in runs_during), runs_during

    # WHEN the relay runs until nothing is due
    runs = drillkit.relay_until_idle(stack)

    # THEN each good notification reached SNS or SES exactly once, whoever sent it, and
    # nothing else is left waiting; each refused e-mail was tried exactly its attempts,
    # then parked and left alone
    parked = drillkit.sent_once_or_parked(drill_server, stack.database, fake, orders, refused=GONE)
    assert fake.rejected == len(parked) * MAX_ATTEMPTS

    reconciled = drillkit.reconcile_by_address(drill_server, stack.database, orders, products)
    assert all(r.ok for r in reconciled), reconciled
    drillkit.record(
        "notifications_refused_under_load",
        {
            **drillkit.order_figures(client, orders, clients=CLIENTS, workers=WORKERS),
            "relay_runs_during_load": len(runs_during),
            "relay_runs_after": len(runs),
            **drillkit.deliveries(fake, parked, reconciled),
        },
    )
