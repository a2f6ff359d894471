"""Order notifications through a transactional outbox.

`enqueue` writes one row per notification inside the order's transaction,
so once an order exists its notifications exist too. `dispatch` sends due
rows: each row is claimed with a conditional UPDATE (so the api and the
relay never both send it), sent, and marked `sent`, `failed` (due again
after a backoff) or `parked` (given up after `MAX_ATTEMPTS`, with an alarm).

Two callers, two promises:

- the api sends an order's rows right after commit within a fixed budget
  (`SendBudget`): a send starts only while its worst case still fits, and a
  container whose last send timed out sends nothing for a while (the rows
  stay pending). A slow SNS or SES therefore delays a 201 by at most the
  budget, never by the service's own slowness;
- the relay (the report function, every few minutes) sends whatever is due,
  fresh rows before retried ones, so no failing row can hold up the others.

A row stuck in `sending` (its sender died mid-send) is due again after
`STALE_AFTER`. Nothing here can roll an order back. Delivery is at least
once: a send that timed out may have reached the service.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update

from shop import metrics
from shop.errors import NotificationError
from shop.schema import notifications

log = logging.getLogger("shop.notify")
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
ORDER_EVENT, ORDER_EMAIL = "order_event", "order_email"
METRIC_OF = {
    "sent": "NotificationsSent",
    "failed": "NotificationsFailed",
    "parked": "NotificationsParked",
    "deferred": "NotificationsDeferred",
}
# Worst case of one send with the notification clients' settings (see
# shop.runtime: connect 1 s + read 1.5 s, one attempt).
SEND_WORST_CASE_S = 2.5
# After a send timed out, the api leaves sends to the relay for this long.
PAUSE_AFTER_TIMEOUT_S = 30.0


class Notifier:
    """Sends one notification through SNS or SES; raises NotificationError on failure."""

    def __init__(self, *, sns, ses, topic_arn: str | None):
        self._sns = sns
        self._ses = ses
        self._topic_arn = topic_arn

    def deliver(self, kind: str, payload: dict) -> None:
        try:
            if kind == ORDER_EVENT:
                if not self._topic_arn:
                    raise NotificationError("no SNS topic configured (SHOP_TOPIC_ARN)")
                self._sns.publish(
                    TopicArn=self._topic_arn,
                    Message=json.dumps(payload["message"]),
                    MessageAttributes={
                        "event_type": {"DataType": "String", "StringValue": payload["event_type"]}
                    },
                )
            elif kind == ORDER_EMAIL:
                self._ses.send_email(
                    Source=payload["from"],
                    Destination={"ToAddresses": payload["to"]},
                    Message={
                        "Subject": {"Data": payload["subject"], "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": payload["text"], "Charset": "UTF-8"}},
                    },
                )
            else:
                raise NotificationError(f"unknown notification kind {kind!r}")
        except NotificationError:
            raise
        except Exception as exc:  # botocore raises many types; all mean "not sent"
            raise NotificationError(f"{kind} not sent: {exc}", timed_out=_is_timeout(exc)) from exc


def _is_timeout(exc: BaseException) -> bool:
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    return bool(names & {"ReadTimeoutError", "ConnectTimeoutError", "ConnectionClosedError"})


@dataclass
class SendBudget:
    """How long the api may spend sending after commit, and whether it may at all.

    `seconds` is fixed per stage; `remaining_s` (the invocation's time left,
    minus what the response needs) can only shrink it. One object lives per
    container so a timeout pauses sending for the next requests too.
    """

    seconds: float = 5.0
    worst_case_s: float = SEND_WORST_CASE_S
    pause_s: float = PAUSE_AFTER_TIMEOUT_S
    clock: Callable[[], float] = time.monotonic
    paused_until: float = 0.0
    backoff_first: timedelta = timedelta(minutes=1)  # before the relay retries a failed send

    def deadline(self, remaining_s: float | None) -> float | None:
        """Return the clock value sends must finish by, or None to send nothing now."""
        now = self.clock()
        if now < self.paused_until:
            return None
        seconds = self.seconds if remaining_s is None else min(self.seconds, remaining_s)
        return now + seconds if seconds >= self.worst_case_s else None

    def fits(self, deadline: float) -> bool:
        """Return True while one more send may start (none after a timeout)."""
        now = self.clock()
        return now >= self.paused_until and now + self.worst_case_s <= deadline

    def timed_out(self) -> None:
        self.paused_until = self.clock() + self.pause_s


def order_event(order: dict) -> dict:
    """Return the SNS notification of a placed order."""
    return {"event_type": "order.created", "message": {"type": "order.created", "order": order}}


def order_email(sender: str) -> Callable[[dict], dict]:
    """Return a builder of the confirmation e-mail sent from `sender`."""

    def build(order: dict) -> dict:
        lines = [
            f"  {item['quantity']} x {item['name']} ({item['sku']}) "
            f"at {item['unit_price']} = {item['line_total']} {order['currency']}"
            for item in order["items"]
        ]
        text = "\n".join(
            [
                "Thank you for your order.",
                "",
                f"Order {order['id']}, placed {order['created_at']}:",
                *lines,
                "",
                f"Total: {order['total']} {order['currency']}",
            ]
        )
        return {
            "from": sender,
            "to": [order["customer_email"]],
            "subject": f"Your order {order['id']}",
            "text": text,
        }

    return build


def enqueue(conn: Connection, order_id: str, entries: Iterable[tuple[str, dict]], *, now) -> None:
    """Record notifications of `order_id` as pending (call inside the order's transaction)."""
    rows = [
        {
            "order_id": order_id,
            "kind": kind,
            "status": "pending",
            "attempts": 0,
            "payload": json.dumps(payload),
            "created_at": now,
            "updated_at": now,
            "next_attempt_at": now,
        }
        for kind, payload in entries
    ]
    if rows:
        conn.execute(notifications.insert(), rows)


def backoff(attempts: int, first: timedelta = BACKOFF_FIRST) -> timedelta:
    """Return how long a row that failed `attempts` times waits before the next try."""
    return min(BACKOFF_MAX, first * 2 ** max(0, attempts - 1))


def _due(moment: datetime):
    return or_(
        and_(
            notifications.c.status.in_(("pending", "failed")),
            notifications.c.next_attempt_at <= moment,
        ),
        and_(
            notifications.c.status == "sending",
            notifications.c.updated_at < moment - STALE_AFTER,
        ),
    )


def dispatch(
    conn: Connection,
    notifier: Notifier,
    *,
    now: Callable[[], datetime],
    order_id: str | None = None,
    limit: int = 100,
    budget: SendBudget | None = None,
    deadline: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    backoff_first: timedelta = BACKOFF_FIRST,
) -> dict[str, int]:
    """Send due notifications (of one order, or any); return counts by outcome.

    Counts are `sent`, `failed` (due again later), `parked` (given up) and
    `deferred` (not tried: the budget's deadline would not hold a send).
    Fresh rows go first, so rows that keep failing never hold up new ones.
    """
    query = (
        select(notifications.c.id)
        .where(_due(now()))
        .order_by(notifications.c.attempts, notifications.c.id)
        .limit(limit)
    )
    if order_id is not None:
        query = query.where(notifications.c.order_id == order_id)
    with conn.begin():
        ids = conn.execute(query).scalars().all()
    counts = {"sent": 0, "failed": 0, "parked": 0, "deferred": 0}
    for row_id in ids:
        if budget is not None and deadline is not None and not budget.fits(deadline):
            counts["deferred"] += 1
            continue
        row = _claim(conn, row_id, now())
        if row is None:
            continue  # someone else is sending it
        try:
            notifier.deliver(row.kind, json.loads(row.payload))
        except NotificationError as exc:
            if budget is not None and exc.timed_out:
                budget.timed_out()
            outcome = "parked" if row.attempts >= max_attempts else "failed"
            (log.error if outcome == "parked" else log.warning)(
                "notification parked after its last attempt"
                if outcome == "parked"
                else "notification not sent; will retry",
                extra={
                    "notification_id": row_id,
                    "kind": row.kind,
                    "attempts": row.attempts,
                    "reason": str(exc)[:300],
                },
            )
            moment = now()
            _finish(
                conn,
                row_id,
                status=outcome,
                error=str(exc)[:500],
                now=moment,
                next_attempt_at=(
                    moment + backoff(row.attempts, backoff_first) if outcome == "failed" else None
                ),
            )
            counts[outcome] += 1
        else:
            _finish(conn, row_id, status="sent", error=None, now=now(), next_attempt_at=None)
            counts["sent"] += 1
    for outcome, name in METRIC_OF.items():
        if counts[outcome]:
            metrics.put(name, counts[outcome])
    return counts


def _claim(conn: Connection, row_id: int, moment: datetime):
    with conn.begin():
        claimed = conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id, _due(moment))
            .values(status="sending", attempts=notifications.c.attempts + 1, updated_at=moment)
        )
        if claimed.rowcount != 1:
            return None
        return conn.execute(select(notifications).where(notifications.c.id == row_id)).first()


def _finish(conn: Connection, row_id: int, *, status: str, error, now, next_attempt_at) -> None:
    with conn.begin():
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id)
            .values(
                status=status,
                last_error=error,
                updated_at=now,
                next_attempt_at=next_attempt_at,
                sent_at=now if status == "sent" else None,
            )
        )


def counts_by_status(conn: Connection) -> dict[str, int]:
    """Return how many notifications are in each status."""
    with conn.begin():
        rows = conn.execute(
            select(notifications.c.status, func.count()).group_by(notifications.c.status)
        ).all()
    return {status: count for status, count in rows}


def backlog(conn: Connection, *, now: datetime) -> dict[str, float]:
    """Return the unsent rows (pending, failed, sending) and the age of the oldest, in seconds."""
    waiting = notifications.c.status.in_(("pending", "failed", "sending"))
    with conn.begin():
        count, oldest = conn.execute(
            select(func.count(), func.min(notifications.c.created_at)).where(waiting)
        ).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return {"rows": int(count), "oldest_age_s": round(age, 3)}
