"""Drill: SNS and SES fail for real while orders come in.

The order-events topic is deleted and the sender identity unverified through
moto's own API, so every publish and every e-mail is refused by the service.
Promised: orders still succeed (the outbox rows commit with the order, a
failed send never rolls it back); each failed send is recorded with its
error; the retry job (the report function, invoked through the stack's
Lambda Invoke API) tries again while the outage lasts without losing
anything, and once the services are back every notification ends `sent`,
exactly once.
"""

import drillkit
import drillstack
import pytest

from local import tfvars

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 4, "function_env": drillkit.RELAY_AT_ONCE}
ORDERS = 10
EMAIL = "notifications@drill.example.com"
SENDER = tfvars.load(drillstack.ROOT / "envs" / "dev.tfvars")["app_config"]["sender_email"]


def outbox_rows(server: drillstack.DrillServer, database: str) -> list[tuple]:
    return server.query(
        database,
        "SELECT n.order_id, n.kind, n.status, n.attempts, n.last_error, n.sent_at "
        "FROM notifications n JOIN orders o ON o.id = n.order_id "
        "WHERE o.customer_email = %s ORDER BY n.id",
        (EMAIL,),
    )


def delivered(stack: drillstack.LocalStack, order_ids: set[str]) -> dict[str, dict[str, int]]:
    """Return, per order, how many events SNS published and e-mails SES sent for it."""
    sent = stack.outbox()
    counts = {order_id: {"events": 0, "emails": 0} for order_id in order_ids}
    for event in sent["events"]:
        order_id = event["message"].get("order", {}).get("id")
        if order_id in counts:
            counts[order_id]["events"] += 1
    for email in sent["emails"]:
        order_id = (email["subject"] or "").removeprefix("Your order ")
        if order_id in counts:
            counts[order_id]["emails"] += 1
    return counts


def test_orders_succeed_through_a_notification_outage_and_every_send_ends_sent_once(
    stack, drill_server, client
):
    # GIVEN a product, and SNS and SES refusing every send
    product = stack.create_product("NOTIFY-1", stock=1000)
    sns, ses = stack.aws("sns"), stack.aws("ses")
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    topic = next(arn for arn in topics if arn.endswith("-order-events"))
    sns.delete_topic(TopicArn=topic)
    ses.delete_identity(Identity=SENDER)

    # WHEN orders come in
    orders = [
        drillkit.Order(EMAIL, [{"product_id": product, "quantity": 1 + i % 2}])
        for i in range(ORDERS)
    ]
    drillkit.run_together([lambda o=o: drillkit.place(client, o, retry_until=0) for o in orders])

    # THEN every order succeeded, and each send tried within the order's budget is recorded
    # as failed with why (one the budget had no room for stays pending for the relay)
    assert [o.final.status for o in orders] == [201] * ORDERS, [o.final for o in orders]
    ids = {o.order_id for o in orders}
    rows = outbox_rows(drill_server, stack.database)
    assert len(rows) == 2 * ORDERS and {r[0] for r in rows} == ids
    assert {(r[2], r[3]) for r in rows} <= {("failed", 1), ("pending", 0)}
    assert all("not sent" in r[4] for r in rows if r[2] == "failed")
    first = {(r[0], r[1]): r[3] for r in rows}
    failed_in_requests = sum(1 for r in rows if r[2] == "failed")
    assert delivered(stack, ids) == {i: {"events": 0, "emails": 0} for i in ids}

    # WHEN the retry job runs while the outage lasts
    during, error = stack.invoke("report", {})

    # THEN it tried every send again and lost none; its own e-mail failing makes the run fail loudly
    rows = outbox_rows(drill_server, stack.database)
    assert {r[2] for r in rows} == {"failed"} and len(rows) == 2 * ORDERS
    assert all(r[3] == first[(r[0], r[1])] + 1 for r in rows)
    assert error == "Unhandled"
    assert "MessageRejected" in during["errorType"] + during["errorMessage"]

    # WHEN SNS and SES are back and the job runs again
    assert sns.create_topic(Name=topic.rsplit(":", 1)[-1])["TopicArn"] == topic
    ses.verify_email_identity(EmailAddress=SENDER)
    after, error = stack.invoke("report", {})

    # THEN every notification is sent, each exactly once
    assert error is None, after
    assert after["retried"] == {"sent": 2 * ORDERS, "failed": 0, "parked": 0, "deferred": 0}
    assert after["notifications"] == {"sent": 2 * ORDERS}
    rows = outbox_rows(drill_server, stack.database)
    assert {r[2] for r in rows} == {"sent"} and all(r[5] for r in rows)
    assert all(r[3] == first[(r[0], r[1])] + 2 for r in rows)
    assert delivered(stack, ids) == {i: {"events": 1, "emails": 1} for i in ids}

    # ... and a further run sends nothing twice
    again, error = stack.invoke("report", {})
    assert error is None and again["retried"] == {
        "sent": 0,
        "failed": 0,
        "parked": 0,
        "deferred": 0,
    }
    assert delivered(stack, ids) == {i: {"events": 1, "emails": 1} for i in ids}

    result = drillkit.reconcile(
        drill_server, stack.database, email=EMAIL, orders=orders, stock_before={product: 1000}
    )
    assert result.ok, result
    counts = delivered(stack, ids).values()
    drillkit.record(
        "notification_outage",
        {
            "orders": ORDERS,
            "by_status": drillkit.by_status(client.answers),
            "sends_failed_in_requests": failed_in_requests,
            "sends_left_to_the_relay": 2 * ORDERS - failed_in_requests,
            "retry_runs_during_outage": 1,
            "sent_after_recovery": after["retried"]["sent"],
            "sent_by_a_further_run": again["retried"]["sent"],
            "sent_twice": sum(max(0, n - 1) for c in counts for n in c.values()),
            "lost": sum(1 for c in counts for n in c.values() if n == 0),
            **result.figures(),
        },
    )
