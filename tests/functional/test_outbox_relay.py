"""The outbox relay: backoff, parking, and no failing row ahead of a good one."""

import socket
import threading
from datetime import timedelta

import boto3
import pymysql
import pytest
from botocore.exceptions import ClientError

from shop import notify
from shop.errors import NotificationError
from shop.routes import utcnow
from shop.runtime import notification_client_config

pytestmark = pytest.mark.mariadb


class BouncingSes:
    """SES that refuses some recipients for good (as SES does for a suppressed address)."""

    def __init__(self, ses, refused: set[str]):
        self._ses, self._refused = ses, refused

    def send_email(self, **kwargs):
        if set(kwargs["Destination"]["ToAddresses"]) & self._refused:
            error = {"Code": "MessageRejected", "Message": "Address blacklisted."}
            raise ClientError({"Error": error}, "SendEmail")
        return self._ses.send_email(**kwargs)


def rows(mariadb, database):
    with (
        mariadb.admin(database=database) as conn,
        conn.cursor(pymysql.cursors.DictCursor) as cur,
    ):
        cur.execute(
            "SELECT n.id, o.customer_email, n.kind, n.status, n.attempts, n.next_attempt_at, "
            "n.updated_at FROM notifications n JOIN orders o ON o.id = n.order_id ORDER BY n.id"
        )
        return cur.fetchall()


def test_failing_rows_back_off_then_park_and_never_hold_up_newer_ones(
    make_api, call, add_product, aws, mariadb, lambda_env
):
    # GIVEN orders whose notifications are all left to the relay: two to addresses
    # SES refuses for good, then one to a good address
    relay_only = make_api({"SHOP_SEND_BUDGET_SECONDS": "0"})
    pid = add_product(stock=10)["id"]
    for email in ("gone1@example.com", "gone2@example.com", "ok@example.com"):
        body = {"customer_email": email, "items": [{"product_id": pid, "quantity": 1}]}
        answer = call(
            "create_order", target=relay_only, body=body, headers={"Idempotency-Key": None}
        )
        assert answer.status == 201
    refused = {"gone1@example.com", "gone2@example.com"}
    notifier = notify.Notifier(
        sns=aws.sns, ses=BouncingSes(aws.ses, refused), topic_arn=aws.topic_arn
    )
    clock = {"now": utcnow()}
    now = lambda: clock["now"]  # noqa: E731
    database = relay_only.runtime.database

    # WHEN the relay runs with room for two rows only, after the failing ones failed once
    with database.connect() as conn:
        first = notify.dispatch(conn, notifier, now=now, limit=6)
        assert first == {"sent": 4, "failed": 2, "parked": 0, "deferred": 0}
        clock["now"] += timedelta(seconds=1)
        body = {"customer_email": "late@example.com", "items": [{"product_id": pid, "quantity": 1}]}
    answer = call("create_order", target=relay_only, body=body, headers={"Idempotency-Key": None})
    assert answer.status == 201
    with database.connect() as conn:
        # THEN the new order's rows go out although the failing rows are older ...
        clock["now"] += notify.backoff(1)
        second = notify.dispatch(conn, notifier, now=now, limit=2)
    assert second == {"sent": 2, "failed": 0, "parked": 0, "deferred": 0}
    late = [
        r
        for r in rows(mariadb, lambda_env["SHOP_DB_NAME"])
        if r["customer_email"].startswith("late")
    ]
    assert {r["status"] for r in late} == {"sent"}

    # ... and each failing row waits longer after every attempt, then is parked
    waits = []
    with database.connect() as conn:
        for _ in range(notify.MAX_ATTEMPTS + 2):
            clock["now"] += notify.BACKOFF_MAX
            notify.dispatch(conn, notifier, now=now)
            bounced = [
                r
                for r in rows(mariadb, lambda_env["SHOP_DB_NAME"])
                if r["customer_email"] in refused and r["kind"] == "order_email"
            ]
            waits.append(
                {
                    (r["next_attempt_at"] - r["updated_at"]) if r["next_attempt_at"] else None
                    for r in bounced
                }
            )
    final = rows(mariadb, lambda_env["SHOP_DB_NAME"])
    parked = [r for r in final if r["status"] == "parked"]
    assert sorted(r["customer_email"] for r in parked) == sorted(refused)
    assert {r["attempts"] for r in parked} == {notify.MAX_ATTEMPTS}
    assert waits[0] == {notify.backoff(2)} and waits[1] == {notify.backoff(3)}
    assert waits[-1] == {None}  # parked rows are never due again
    assert {r["status"] for r in final if r not in parked} == {"sent"}
    assert sum(1 for e in aws.sent_emails() if e["to"] == ["ok@example.com"]) == 1
    with database.connect() as conn:
        assert notify.backlog(conn, now=now()) == {"rows": 0, "oldest_age_s": 0.0}


def test_a_hanging_notification_endpoint_is_a_timeout_within_the_clients_bounds():
    # GIVEN an endpoint that accepts connections and never answers
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    sns = session.client("sns", endpoint_url=url, config=notification_client_config())
    notifier = notify.Notifier(sns=sns, ses=None, topic_arn="arn:aws:sns:eu-west-1:1:t")
    # WHEN an event is published, THEN it fails as a timeout after one attempt
    with pytest.raises(NotificationError) as raised:
        notifier.deliver(notify.ORDER_EVENT, notify.order_event({"id": "o1"}))
    assert raised.value.timed_out and len(accepted) == 1
    listener.close()
