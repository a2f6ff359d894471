"""Drill: SNS and SES hang, then refuse some addresses for good, while orders come in.

A local stand-in for SNS and SES (`fakeaws`) first accepts every connection
and never answers; 20 clients place 40 orders meanwhile. Then it answers
again but refuses the e-mails of some addresses for good, and the relay
(the report function with `{"action": "relay"}`) runs until nothing is due.

Promised: every order is answered 201 within the api's timeout whatever SNS
and SES do (the send budget; a container whose send timed out leaves the
next orders' sends to the relay); no order lost or duplicated; every good
notification delivered exactly once; each refused e-mail parked after its
last attempt without holding up any other row.
"""

import drillkit
import pytest

from shop.notify import MAX_ATTEMPTS

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

CLIENTS, ORDERS_EACH = 20, 2
WORKERS = 4
STACK_OPTIONS = {"concurrency": WORKERS, "function_env": drillkit.RELAY_AT_ONCE}
GONE = "gone@drill.example.com"
REFUSED = {GONE}  # by SES, for good (the `fake` fixture)


def test_orders_never_wait_on_a_hanging_sns_or_ses_and_every_good_send_lands_once(
    stack, drill_server, fake, client
):
    # GIVEN SNS and SES that accept connections and never answer
    orders, products = drillkit.orders_with_a_refused_address(
        stack, "SLOW", refused=GONE, count=CLIENTS * ORDERS_EACH
    )
    drillkit.warm(client, WORKERS)
    fake.mode = "hang"

    # WHEN 20 clients place 2 orders each, a quarter of them for an address SES refuses
    answers = drillkit.place_from(client, orders, clients=CLIENTS)

    # THEN every order is answered 201, and nothing was delivered: a 201 rather than the
    # gateway's 502 (function timeout) or 504 shows each came within the api's timeout
    assert [a.status for a in answers] == [201] * len(orders), answers
    hung = fake.hung
    assert hung >= 1 and fake.events == [] and fake.emails == []
    during = drillkit.outbox(drill_server, stack.database)
    assert {r[3] for r in during} <= {"pending", "failed"}
    tried_in_requests = sum(r[4] for r in during)

    # WHEN SNS and SES answer again but refuse one address for good, and the relay runs
    # until nothing is due
    fake.mode = "ok"
    runs = drillkit.relay_until_idle(stack)

    # THEN each good notification reached SNS or SES exactly once, refused e-mails are
    # parked after their last attempt, and nothing is left waiting
    parked = drillkit.sent_once_or_parked(drill_server, stack.database, fake, orders, refused=GONE)
    tried_before = sum(r[4] for r in during if r[1] == GONE and r[2] == "order_email")
    assert fake.rejected == len(parked) * MAX_ATTEMPTS - tried_before  # none was hung

    reconciled = drillkit.reconcile_by_address(drill_server, stack.database, orders, products)
    assert all(r.ok for r in reconciled), reconciled
    drillkit.record(
        "notifications_hanging_then_refusing",
        {
            **drillkit.order_figures(client, orders, clients=CLIENTS, workers=WORKERS),
            "sends_that_hung": hung,
            "send_attempts_in_requests": tried_in_requests,
            "relay_runs": len(runs),
            **drillkit.deliveries(fake, parked, reconciled),
        },
    )
