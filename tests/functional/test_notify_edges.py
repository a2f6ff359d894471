"""The notification outbox, at the edges, on SQLite: what is sent, when, and what is retried.

SNS and SES are stand-in clients passed to the Notifier (what boto3 would be
given); the outbox is the real table. No MariaDB server, so `make mutate`
can run these once per mutant of shop/notify.py.
"""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from shop import notify
from shop.db import Database, DatabaseSettings, make_engine
from shop.errors import NotificationError
from shop.schema import metadata, notifications, orders

T0 = datetime(2026, 11, 27, 9, 0, 0)
ORDER = {
    "id": "o-1",
    "status": "placed",
    "customer_email": "ada@example.com",
    "items": [
        {
            "product_id": 1,
            "sku": "MUG",
            "name": "Mug",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
        }
    ],
    "total": "25.00",
    "currency": "EUR",
    "created_at": "2026-11-27T09:00:00Z",
}


class Sns:
    def __init__(self, error: Exception | None = None):
        self.published, self.error = [], error

    def publish(self, **kwargs):
        if self.error:
            raise self.error
        self.published.append(kwargs)


class Ses:
    def __init__(self, error: Exception | None = None):
        self.sent, self.error = [], error

    def send_email(self, **kwargs):
        if self.error:
            raise self.error
        self.sent.append(kwargs)


class Clock:
    def __init__(self, moment=T0):
        self.moment = moment

    def __call__(self):
        return self.moment


@pytest.fixture
def db(tmp_path):
    database = Database(make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path / 'shop.db'}")))
    metadata.create_all(database.engine)
    return database


def enqueue(conn, order_id="o-1", *, now=T0, sender="shop@example.com"):
    entries = [
        (notify.ORDER_EVENT, notify.order_event(ORDER)),
        (notify.ORDER_EMAIL, notify.order_email(sender)(ORDER)),
    ]
    with conn.begin():
        conn.execute(
            orders.insert().values(
                id=order_id,
                customer_email="ada@example.com",
                status="placed",
                total_cents=2500,
                currency="EUR",
                request_hash="h",
                created_at=now,
            )
        )
        notify.enqueue(conn, order_id, entries, now=now)


def rows(conn):
    with conn.begin():
        return conn.execute(select(notifications).order_by(notifications.c.id)).all()


def test_the_event_and_the_email_say_what_was_ordered():
    assert notify.order_event(ORDER) == {
        "event_type": "order.created",
        "message": {"type": "order.created", "order": ORDER},
    }
    assert notify.order_email("shop@example.com")(ORDER) == {
        "from": "shop@example.com",
        "to": ["ada@example.com"],
        "subject": "Your order o-1",
        "text": "Thank you for your order.\n"
        "\n"
        "Order o-1, placed 2026-11-27T09:00:00Z:\n"
        "  2 x Mug (MUG) at 12.50 = 25.00 EUR\n"
        "\n"
        "Total: 25.00 EUR",
    }


def test_a_dispatch_sends_both_and_marks_them_sent(db):
    sns, ses = Sns(), Ses()
    notifier = notify.Notifier(sns=sns, ses=ses, topic_arn="arn:aws:sns:eu-west-1:1:orders")
    clock = Clock(T0 + timedelta(seconds=3))
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, notifier, now=clock) == {
            "sent": 2,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert [(r.status, r.attempts, r.last_error, r.sent_at) for r in rows(conn)] == [
            ("sent", 1, None, clock.moment),
            ("sent", 1, None, clock.moment),
        ]
        assert notify.counts_by_status(conn) == {"sent": 2}
        assert notify.dispatch(conn, notifier, now=clock) == {
            "sent": 0,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
    assert sns.published == [
        {
            "TopicArn": "arn:aws:sns:eu-west-1:1:orders",
            "Message": json.dumps({"type": "order.created", "order": ORDER}),
            "MessageAttributes": {
                "event_type": {"DataType": "String", "StringValue": "order.created"}
            },
        }
    ]
    assert ses.sent == [
        {
            "Source": "shop@example.com",
            "Destination": {"ToAddresses": ["ada@example.com"]},
            "Message": {
                "Subject": {"Data": "Your order o-1", "Charset": "UTF-8"},
                "Body": {
                    "Text": {
                        "Data": notify.order_email("shop@example.com")(ORDER)["text"],
                        "Charset": "UTF-8",
                    }
                },
            },
        }
    ]


def test_a_failed_send_is_recorded_and_retried_until_it_goes_out(db):
    clock = Clock()
    down = notify.Notifier(sns=Sns(RuntimeError("topic gone")), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, down, now=clock) == {
            "sent": 1,
            "failed": 1,
            "parked": 0,
            "deferred": 0,
        }
        event = rows(conn)[0]
        assert (event.status, event.attempts, event.sent_at) == ("failed", 1, None)
        assert event.last_error == "order_event not sent: topic gone"
        assert notify.counts_by_status(conn) == {"failed": 1, "sent": 1}

        up = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
        clock.moment += notify.backoff(1)  # due again once its backoff is over
        assert notify.dispatch(conn, up, now=clock) == {
            "sent": 1,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert (rows(conn)[0].status, rows(conn)[0].attempts) == ("sent", 2)


def test_a_long_error_is_cut_to_fit_its_column(db):
    clock = Clock()
    down = notify.Notifier(sns=Sns(RuntimeError("x" * 2000)), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        notify.dispatch(conn, down, now=clock)
        assert len(rows(conn)[0].last_error) == 500


def test_only_the_named_order_is_dispatched_and_no_more_than_the_limit(db):
    sns, ses = Sns(), Ses()
    notifier = notify.Notifier(sns=sns, ses=ses, topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn, "o-1")
        enqueue(conn, "o-2")
        assert notify.dispatch(conn, notifier, now=Clock(), order_id="o-2") == {
            "sent": 2,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert [r.status for r in rows(conn)] == ["pending", "pending", "sent", "sent"]
        assert notify.dispatch(conn, notifier, now=Clock(), limit=1) == {
            "sent": 1,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert [r.status for r in rows(conn)] == ["sent", "pending", "sent", "sent"]


def test_a_row_stuck_in_sending_is_retried_only_once_it_is_stale(db):
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        with conn.begin():
            conn.execute(update(notifications).values(status="sending", updated_at=T0))
        just_before = Clock(T0 + notify.STALE_AFTER)
        assert notify.dispatch(conn, notifier, now=just_before) == {
            "sent": 0,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        after = Clock(T0 + notify.STALE_AFTER + timedelta(seconds=1))
        assert notify.dispatch(conn, notifier, now=after) == {
            "sent": 2,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }


def test_without_a_topic_the_event_fails_and_the_email_still_goes(db):
    ses = Ses()
    notifier = notify.Notifier(sns=Sns(), ses=ses, topic_arn=None)
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, notifier, now=Clock()) == {
            "sent": 1,
            "failed": 1,
            "parked": 0,
            "deferred": 0,
        }
        assert rows(conn)[0].last_error == "no SNS topic configured (SHOP_TOPIC_ARN)"
    assert len(ses.sent) == 1


def test_an_unknown_kind_is_never_sent():
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with pytest.raises(NotificationError, match="unknown notification kind 'fax'"):
        notifier.deliver("fax", {})


def test_nothing_to_enqueue_writes_nothing(db):
    with db.connect() as conn:
        with conn.begin():
            notify.enqueue(conn, "o-1", [], now=T0)
        assert rows(conn) == []
        assert notify.counts_by_status(conn) == {}


def test_enqueued_rows_are_pending_with_their_payload_and_times(db):
    with db.connect() as conn:
        enqueue(conn, now=T0)
        got = rows(conn)
    assert [(r.order_id, r.kind, r.status, r.attempts) for r in got] == [
        ("o-1", "order_event", "pending", 0),
        ("o-1", "order_email", "pending", 0),
    ]
    assert json.loads(got[0].payload) == notify.order_event(ORDER)
    assert {(r.created_at, r.updated_at) for r in got} == {(T0, T0)}


def test_a_failed_send_is_logged_for_the_operator_with_what_and_why(db, caplog):
    down = notify.Notifier(sns=Sns(RuntimeError("y" * 400)), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        with caplog.at_level("WARNING", logger="shop.notify"):
            notify.dispatch(conn, down, now=Clock())
        event_id = rows(conn)[0].id
    (record,) = [r for r in caplog.records if r.name == "shop.notify"]
    assert record.getMessage() == "notification not sent; will retry"
    assert (record.notification_id, record.kind) == (event_id, "order_event")
    assert record.reason == ("order_event not sent: " + "y" * 400)[:300]


class RacingSns(Sns):
    """Publishes, and meanwhile lets another sender claim the next row (`race_for`)."""

    def __init__(self, database, race_for: int, moment):
        super().__init__()
        self.database, self.race_for, self.moment, self.seen = database, race_for, moment, []

    def publish(self, **kwargs):
        super().publish(**kwargs)
        with self.database.connect() as other, other.begin():
            if not self.seen:
                self.seen = other.execute(select(notifications).order_by(notifications.c.id)).all()
            other.execute(
                update(notifications)
                .where(notifications.c.id == self.race_for)
                .values(status="sending", updated_at=self.moment)
            )


def test_a_row_another_sender_claimed_is_skipped_and_the_rest_still_go(db):
    clock = Clock(T0 + timedelta(minutes=1))
    with db.connect() as conn:
        enqueue(conn, "o-1")
        enqueue(conn, "o-2")
        ids = [r.id for r in rows(conn)]
        sns = RacingSns(db, race_for=ids[1], moment=clock.moment)
        notifier = notify.Notifier(sns=sns, ses=Ses(), topic_arn="arn:t")
        assert notify.dispatch(conn, notifier, now=clock) == {
            "sent": 3,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert [r.status for r in rows(conn)] == ["sent", "sending", "sent", "sent"]
    # while the first event was being sent, its row said so, as of now, attempt 1
    first = sns.seen[0]
    assert (first.status, first.updated_at, first.attempts) == ("sending", clock.moment, 1)


def test_every_failure_is_counted(db):
    down = notify.Notifier(
        sns=Sns(RuntimeError("no topic")), ses=Ses(RuntimeError("no sender")), topic_arn="arn:t"
    )
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, down, now=Clock()) == {
            "sent": 0,
            "failed": 2,
            "parked": 0,
            "deferred": 0,
        }
        assert [r.last_error for r in rows(conn)] == [
            "order_event not sent: no topic",
            "order_email not sent: no sender",
        ]


def test_a_sent_row_is_never_sent_again_however_old(db):
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        notify.dispatch(conn, notifier, now=Clock())
        later = Clock(T0 + notify.STALE_AFTER * 10)
        assert notify.dispatch(conn, notifier, now=later) == {
            "sent": 0,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }


def test_a_dispatch_sends_at_most_a_hundred_by_default(db):
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        for n in range(51):
            enqueue(conn, f"o-{n}")
        assert notify.dispatch(conn, notifier, now=Clock()) == {
            "sent": 100,
            "failed": 0,
            "parked": 0,
            "deferred": 0,
        }
        assert notify.counts_by_status(conn) == {"sent": 100, "pending": 2}
