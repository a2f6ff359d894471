"""The notification outbox, at the edges, on SQLite: what is sent, when, and what is retried.

SNS and SES are stand-in clients passed to the Notifier (what boto3 would be
given); the outbox is the real table. No MariaDB server, so `make mutate`
can run these once per mutant of shop/notify.py.
"""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from shop import metrics, notify
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


class Client:
    """Stands in for a boto3 client: records each call's arguments, or raises `error`."""

    def __init__(self, error: Exception | None = None):
        self.calls, self.error = [], error

    def _call(self, **kwargs):
        if self.error:
            raise self.error
        self.calls.append(kwargs)


class Sns(Client):
    def publish(self, **kwargs):
        self._call(**kwargs)


class Ses(Client):
    def send_email(self, **kwargs):
        self._call(**kwargs)


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


def tally(*, sent=0, failed=0, parked=0, deferred=0) -> dict:
    """What a dispatch reports: how many rows it sent, failed, parked and deferred."""
    return {"sent": sent, "failed": failed, "parked": parked, "deferred": deferred}


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
        assert notify.dispatch(conn, notifier, now=clock) == tally(sent=2)
        assert [(r.status, r.attempts, r.last_error, r.sent_at) for r in rows(conn)] == [
            ("sent", 1, None, clock.moment),
            ("sent", 1, None, clock.moment),
        ]
        assert notify.counts_by_status(conn) == {"sent": 2}
        assert notify.dispatch(conn, notifier, now=clock) == tally()
    assert sns.calls == [
        {
            "TopicArn": "arn:aws:sns:eu-west-1:1:orders",
            "Message": json.dumps({"type": "order.created", "order": ORDER}),
            "MessageAttributes": {
                "event_type": {"DataType": "String", "StringValue": "order.created"}
            },
        }
    ]
    assert ses.calls == [
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
        assert notify.dispatch(conn, down, now=clock) == tally(sent=1, failed=1)
        event = rows(conn)[0]
        assert (event.status, event.attempts, event.sent_at) == ("failed", 1, None)
        assert event.last_error == "order_event not sent: topic gone"
        assert notify.counts_by_status(conn) == {"failed": 1, "sent": 1}

        up = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
        clock.moment += notify.backoff(1)  # due again once its backoff is over
        assert notify.dispatch(conn, up, now=clock) == tally(sent=1)
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
        assert notify.dispatch(conn, notifier, now=Clock(), order_id="o-2") == tally(sent=2)
        assert [r.status for r in rows(conn)] == ["pending", "pending", "sent", "sent"]
        assert notify.dispatch(conn, notifier, now=Clock(), limit=1) == tally(sent=1)
        assert [r.status for r in rows(conn)] == ["sent", "pending", "sent", "sent"]


def test_a_row_stuck_in_sending_is_retried_only_once_it_is_stale(db):
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        with conn.begin():
            conn.execute(update(notifications).values(status="sending", updated_at=T0))
        just_before = Clock(T0 + notify.STALE_AFTER)
        assert notify.dispatch(conn, notifier, now=just_before) == tally()
        after = Clock(T0 + notify.STALE_AFTER + timedelta(seconds=1))
        assert notify.dispatch(conn, notifier, now=after) == tally(sent=2)


def test_without_a_topic_the_event_fails_and_the_email_still_goes(db):
    ses = Ses()
    notifier = notify.Notifier(sns=Sns(), ses=ses, topic_arn=None)
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, notifier, now=Clock()) == tally(sent=1, failed=1)
        assert rows(conn)[0].last_error == "no SNS topic configured (SHOP_TOPIC_ARN)"
    assert len(ses.calls) == 1


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
    assert record.levelname == "WARNING"  # a retry is no alarm; only a parked row is an error
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
        assert notify.dispatch(conn, notifier, now=clock) == tally(sent=3)
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
        assert notify.dispatch(conn, down, now=Clock()) == tally(failed=2)
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
        assert notify.dispatch(conn, notifier, now=later) == tally()


def test_a_dispatch_sends_at_most_a_hundred_by_default(db):
    notifier = notify.Notifier(sns=Sns(), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        for n in range(51):
            enqueue(conn, f"o-{n}")
        assert notify.dispatch(conn, notifier, now=Clock()) == tally(sent=100)
        assert notify.counts_by_status(conn) == {"sent": 100, "pending": 2}


# The relay's retries: backoff, parking, fresh rows first, backlog, metrics.


def test_a_failed_row_waits_twice_as_long_each_time_up_to_an_hour():
    minute = timedelta(minutes=1)
    assert [notify.backoff(n) for n in range(8)] == [
        minute,
        minute,
        2 * minute,
        4 * minute,
        8 * minute,
        16 * minute,
        32 * minute,
        60 * minute,
    ]
    assert notify.backoff(3, timedelta(seconds=10)) == timedelta(seconds=40)


def test_a_row_that_keeps_failing_is_retried_after_its_backoff_then_parked(db, caplog):
    assert notify.MAX_ATTEMPTS == 6
    down = notify.Notifier(sns=Sns(RuntimeError("topic gone")), ses=Ses(), topic_arn="arn:t")
    clock = Clock()
    with db.connect() as conn:
        enqueue(conn)
        notify.dispatch(conn, down, now=clock)  # the e-mail goes; the event fails
        for attempt in range(1, 6):
            event = rows(conn)[0]
            assert (event.status, event.attempts) == ("failed", attempt)
            assert event.next_attempt_at == clock.moment + notify.backoff(attempt)
            assert event.updated_at == clock.moment  # when it last failed, for the operator
            clock.moment = event.next_attempt_at - timedelta(seconds=1)
            assert notify.dispatch(conn, down, now=clock)["failed"] == 0  # not due yet
            clock.moment += timedelta(seconds=1)
            with caplog.at_level("WARNING", logger="shop.notify"):
                counts = notify.dispatch(conn, down, now=clock)
            assert counts == tally(failed=int(attempt < 5), parked=int(attempt == 5))
        event = rows(conn)[0]
        assert (event.status, event.attempts, event.next_attempt_at) == ("parked", 6, None)
        assert event.last_error == "order_event not sent: topic gone"
        clock.moment += notify.BACKOFF_MAX * 10
        assert notify.dispatch(conn, down, now=clock)["parked"] == 0  # never tried again
        assert notify.counts_by_status(conn) == {"parked": 1, "sent": 1}
    parked = [r for r in caplog.records if r.getMessage().startswith("notification parked")]
    assert [(r.levelname, r.attempts, r.kind) for r in parked] == [("ERROR", 6, "order_event")]
    assert parked[0].getMessage() == "notification parked after its last attempt"


def test_the_relay_may_give_up_sooner_and_retry_sooner(db):
    down = notify.Notifier(sns=Sns(RuntimeError("x")), ses=Ses(RuntimeError("y")), topic_arn="t")
    clock = Clock()
    with db.connect() as conn:
        enqueue(conn)
        first = timedelta(seconds=10)
        counts = notify.dispatch(conn, down, now=clock, max_attempts=2, backoff_first=first)
        assert counts["failed"] == 2
        assert {r.next_attempt_at for r in rows(conn)} == {T0 + first}
        clock.moment += first
        counts = notify.dispatch(conn, down, now=clock, max_attempts=2, backoff_first=first)
        assert counts == {"sent": 0, "failed": 0, "parked": 2, "deferred": 0}


def test_fresh_rows_go_before_rows_that_failed_before(db):
    clock = Clock()
    sns = Sns(RuntimeError("down"))
    notifier = notify.Notifier(sns=sns, ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn, "o-1")
        notify.dispatch(conn, notifier, now=clock)  # o-1's event failed once
        sns.error = None
        clock.moment += timedelta(hours=2)
        enqueue(conn, "o-2", now=clock.moment)
        assert notify.dispatch(conn, notifier, now=clock, limit=2)["sent"] == 2
        assert [(r.order_id, r.kind, r.status) for r in rows(conn)] == [
            ("o-1", "order_event", "failed"),
            ("o-1", "order_email", "sent"),
            ("o-2", "order_event", "sent"),
            ("o-2", "order_email", "sent"),
        ]


def test_a_dispatch_reports_its_counts_as_metrics(db):
    down = notify.Notifier(sns=Sns(RuntimeError("x")), ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn, metrics.recording("dev") as recorder:
        enqueue(conn)
        notify.dispatch(conn, down, now=Clock())
        assert recorder.values == {
            ("NotificationsSent", None): [1.0],
            ("NotificationsFailed", None): [1.0],
        }
        notify.dispatch(conn, down, now=Clock(T0 + timedelta(minutes=1)), max_attempts=2)
        assert recorder.values[("NotificationsParked", None)] == [1.0]
    assert notify.METRIC_OF == {
        "sent": "NotificationsSent",
        "failed": "NotificationsFailed",
        "parked": "NotificationsParked",
        "deferred": "NotificationsDeferred",
    }


def test_the_backlog_is_every_unsent_row_and_the_age_of_the_oldest(db):
    with db.connect() as conn:
        assert notify.backlog(conn, now=T0) == {"rows": 0, "oldest_age_s": 0.0}
        enqueue(conn, "o-1", now=T0)
        enqueue(conn, "o-2", now=T0 + timedelta(seconds=30))
        enqueue(conn, "o-3", now=T0 + timedelta(seconds=40))
        enqueue(conn, "o-4", now=T0 + timedelta(seconds=50))
        ids = [r.id for r in rows(conn)]
        for row_id, status in zip(
            ids[:5], ["sent", "parked", "failed", "sending", "pending"], strict=True
        ):
            with conn.begin():
                conn.execute(
                    update(notifications).where(notifications.c.id == row_id).values(status=status)
                )
        now = T0 + timedelta(seconds=61, microseconds=234_567)
        # o-1's rows are sent and parked: the oldest still waiting is o-2's, 31.235 s old
        assert notify.backlog(conn, now=now) == {"rows": 6, "oldest_age_s": 31.235}
        assert notify.backlog(conn, now=T0) == {"rows": 6, "oldest_age_s": 0.0}  # clock behind


# The api's send budget.


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self, at=100.0):
        self.at = at

    def __call__(self):
        return self.at


def test_the_api_budget_defaults():
    budget = notify.SendBudget()
    assert (budget.seconds, budget.worst_case_s, budget.pause_s) == (5.0, 2.5, 30.0)
    assert (notify.SEND_WORST_CASE_S, notify.PAUSE_AFTER_TIMEOUT_S) == (2.5, 30.0)
    assert (budget.paused_until, budget.backoff_first) == (0.0, timedelta(minutes=1))


def test_sends_may_start_only_while_their_worst_case_fits_the_budget():
    ticks = Ticks()
    budget = notify.SendBudget(seconds=5.0, worst_case_s=2.5, pause_s=30.0, clock=ticks)
    assert budget.deadline(None) == 105.0
    assert budget.deadline(4.0) == 104.0  # the invocation's time left shrinks it
    assert budget.deadline(9.0) == 105.0  # but never grows it
    assert budget.deadline(2.5) == 102.5  # exactly one worst case still fits
    assert budget.deadline(2.4) is None
    assert notify.SendBudget(seconds=2.4, clock=ticks).deadline(None) is None
    assert budget.fits(102.5) is True
    assert budget.fits(102.4) is False


def test_after_a_timeout_the_api_sends_nothing_for_the_pause():
    ticks = Ticks()
    budget = notify.SendBudget(seconds=5.0, worst_case_s=2.5, pause_s=30.0, clock=ticks)
    budget.timed_out()
    assert budget.paused_until == 130.0
    ticks.at = 129.9
    assert (budget.deadline(None), budget.fits(200.0)) == (None, False)
    ticks.at = 130.0
    assert (budget.deadline(None), budget.fits(200.0)) == (135.0, True)


class SlowSns(Sns):
    """Each publish takes `seconds` on the budget's clock, or raises `error` after them."""

    def __init__(self, ticks, seconds, error=None):
        super().__init__()
        self.ticks, self.seconds, self.fail_with = ticks, seconds, error

    def publish(self, **kwargs):
        self.ticks.at += self.seconds
        if self.fail_with is not None:
            raise self.fail_with
        super().publish(**kwargs)


def test_rows_the_budget_cannot_hold_stay_pending_for_the_relay(db):
    ticks = Ticks(0.0)
    budget = notify.SendBudget(seconds=5.0, worst_case_s=2.5, clock=ticks)
    sns = SlowSns(ticks, 2.0)
    notifier = notify.Notifier(sns=sns, ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn, metrics.recording("dev") as recorder:
        for n in range(4):
            enqueue(conn, f"o-{n}")
        with conn.begin():
            conn.execute(
                update(notifications)
                .where(notifications.c.kind == "order_email")
                .values(status="sent")
            )
        deadline = budget.deadline(None)
        counts = notify.dispatch(conn, notifier, now=Clock(), budget=budget, deadline=deadline)
        # sends start at 0 s and 2 s; one starting at 4 s could end after the 5 s budget
        assert counts == {"sent": 2, "failed": 0, "parked": 0, "deferred": 2}
        events = [r.status for r in rows(conn) if r.kind == "order_event"]
        assert events == ["sent", "sent", "pending", "pending"]
        assert recorder.values[("NotificationsDeferred", None)] == [2.0]
        # without a deadline the budget defers nothing
        assert notify.dispatch(conn, notifier, now=Clock(), budget=budget)["sent"] == 2


def test_the_relay_records_a_timed_out_send_as_failed_like_any_other(db):
    sns = Sns(ReadTimeoutError("read timed out"))
    notifier = notify.Notifier(sns=sns, ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn)
        assert notify.dispatch(conn, notifier, now=Clock()) == tally(sent=1, failed=1)
        assert rows(conn)[0].last_error == "order_event not sent: read timed out"


ReadTimeoutError = type("ReadTimeoutError", (Exception,), {})
ConnectTimeoutError = type("ConnectTimeoutError", (Exception,), {})
ConnectionClosedError = type("ConnectionClosedError", (Exception,), {})


def raised_from(error: Exception, how: str) -> Exception:
    """Return an exception that carries `error` as itself, its cause or its context."""
    if how == "itself":
        return error
    try:
        try:
            raise error
        except Exception as inner:
            if how == "cause":
                raise RuntimeError("wrapped") from inner
            raise RuntimeError("while handling")  # noqa: B904 - the context is the point
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize("how", ["itself", "cause", "context"])
@pytest.mark.parametrize("error", [ReadTimeoutError, ConnectTimeoutError, ConnectionClosedError])
def test_a_send_that_timed_out_says_so(error, how):
    notifier = notify.Notifier(sns=Sns(raised_from(error("slow"), how)), ses=Ses(), topic_arn="t")
    with pytest.raises(NotificationError) as caught:
        notifier.deliver(notify.ORDER_EVENT, notify.order_event(ORDER))
    assert caught.value.timed_out is True


def test_a_send_refused_outright_did_not_time_out():
    notifier = notify.Notifier(sns=Sns(), ses=Ses(ValueError("rejected")), topic_arn="t")
    with pytest.raises(NotificationError) as caught:
        notifier.deliver(notify.ORDER_EMAIL, notify.order_email("a@b")(ORDER))
    assert caught.value.timed_out is False


@pytest.mark.parametrize(
    ("error", "counts", "paused_until"),
    [
        (ReadTimeoutError("read timed out"), tally(failed=1, deferred=1), 31.5),
        (RuntimeError("no such topic"), tally(sent=1, failed=1), 0.0),
    ],
    ids=["a timeout pauses the api and the rest wait", "another failure does not pause"],
)
def test_only_a_send_that_timed_out_pauses_the_api(db, error, counts, paused_until):
    ticks = Ticks(0.0)
    budget = notify.SendBudget(seconds=10.0, worst_case_s=2.5, pause_s=30.0, clock=ticks)
    sns = SlowSns(ticks, 1.5, error)
    notifier = notify.Notifier(sns=sns, ses=Ses(), topic_arn="arn:t")
    with db.connect() as conn:
        enqueue(conn, "o-1")
        deadline = budget.deadline(None)
        counted = notify.dispatch(conn, notifier, now=Clock(), budget=budget, deadline=deadline)
    assert counted == counts
    assert budget.paused_until == paused_until


class Stepping(Clock):
    """A clock a second later at every reading, as a slow send would make it."""

    def __call__(self):
        self.moment += timedelta(seconds=1)
        return self.moment


def test_a_row_says_when_its_send_ended_not_when_it_was_claimed(db):
    down = notify.Notifier(sns=Sns(RuntimeError("x")), ses=Ses(), topic_arn="arn:t")
    clock = Stepping()
    with db.connect() as conn:
        enqueue(conn)
        notify.dispatch(conn, down, now=clock)
        event, email = rows(conn)
    # readings: 1 s query, 2 s event claimed, 3 s event failed, 4 s e-mail claimed, 5 s sent
    assert event.updated_at == T0 + timedelta(seconds=3)
    assert event.next_attempt_at == T0 + timedelta(seconds=3) + notify.backoff(1)
    assert (email.updated_at, email.sent_at) == (T0 + timedelta(seconds=5),) * 2
