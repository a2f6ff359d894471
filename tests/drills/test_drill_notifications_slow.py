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
import drillstack
import pytest

from shop.notify import MAX_ATTEMPTS

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

CLIENTS, ORDERS_EACH = 20, 2
WORKERS = 4
# The relay retries at once instead of after a real backoff (minutes), so the drill can follow it.
STACK_OPTIONS = {"concurrency": WORKERS, "function_env": {"SHOP_RELAY_BACKOFF_SECONDS": "0"}}
GOOD, GONE = "buyer@drill.example.com", "gone@drill.example.com"
REFUSED = {GONE}  # by SES, for good (the `fake` fixture)


def test_orders_never_wait_on_a_hanging_sns_or_ses_and_every_good_send_lands_once(
    stack, drill_server, fake, client
):
    # GIVEN SNS and SES that accept connections and never answer
    orders, products = drillkit.orders_with_a_refused_address(
        stack, "SLOW", good=GOOD, refused=GONE, count=CLIENTS * ORDERS_EACH
    )
    drillkit.warm(client, 4)
    fake.mode = "hang"
    api_timeout = drillstack.tfvars_value("functions")["api"]["timeout_s"]

    # WHEN 20 clients place 2 orders each, a quarter of them for an address SES refuses
    chunks = [orders[i::CLIENTS] for i in range(CLIENTS)]
    drillkit.run_together(
        [lambda c=c: [drillkit.place(client, o, retry_until=0) for o in c] for c in chunks]
    )

    # THEN every order is answered 201, and nothing was delivered: a 201 rather than the
    # gateway's 502 (function timeout) or 504 shows each came within the api's timeout
    answers = [o.final for o in orders]
    assert [a.status for a in answers] == [201] * len(orders), answers
    hung = fake.hung
    assert hung >= 1 and fake.events == [] and fake.emails == []
    during = drillkit.outbox(drill_server, stack.database)
    assert {r[3] for r in during} <= {"pending", "failed"}
    tried_in_requests = sum(r[4] for r in during)

    # WHEN SNS and SES answer again but refuse one address for good, and the relay runs
    fake.mode = "ok"
    runs = []
    for _ in range(MAX_ATTEMPTS + 2):
        result, error = stack.invoke("report", {"action": "relay"})
        assert error is None, result
        runs.append(result)
        if result["backlog"]["rows"] == 0:
            break

    # THEN each good notification reached SNS or SES exactly once, refused e-mails are
    # parked after their last attempt, and nothing is left waiting
    ids = {o.order_id for o in orders}
    good_ids = {o.order_id for o in orders if o.email == GOOD}
    rows = drillkit.outbox(drill_server, stack.database)
    missing = [r for r in rows if r[2] == "order_event" and r[0] not in fake.events]
    assert sorted(fake.events) == sorted(ids), (missing, runs)
    assert sorted(fake.emails) == sorted(good_ids)
    rows = drillkit.outbox(drill_server, stack.database)
    parked = [r for r in rows if r[3] == "parked"]
    assert {(r[1], r[2], r[4]) for r in parked} == {(GONE, "order_email", MAX_ATTEMPTS)}
    assert len(parked) == len(ids - good_ids)
    assert {r[3] for r in rows if r not in parked} == {"sent"}
    assert runs[-1]["backlog"] == {"rows": 0, "oldest_age_s": 0.0}
    tried_before = sum(r[4] for r in during if r[1] == GONE and r[2] == "order_email")
    assert fake.rejected == len(parked) * MAX_ATTEMPTS - tried_before  # none was hung

    reconciled = drillkit.reconcile_by_address(drill_server, stack.database, orders, products)
    assert all(r.ok for r in reconciled), reconciled
    drillkit.record(
        "notifications_hanging_then_refusing",
        {
            "clients": CLIENTS,
            "api_workers": WORKERS,
            "orders": len(orders),
            "by_status": drillkit.by_status(client.answers),
            "order_latency": drillkit.latency(answers),
            "api_timeout_s": api_timeout,
            "sends_that_hung": hung,
            "send_attempts_in_requests": tried_in_requests,
            "relay_runs": len(runs),
            **drillkit.deliveries(fake, parked, reconciled),
        },
    )
