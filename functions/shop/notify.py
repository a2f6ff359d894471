"""Order notifications through a transactional outbox.

`enqueue` writes one row per notification inside the order's transaction,
so once an order exists its notifications exist too. `dispatch` sends due
rows after commit: each row is claimed with a conditional UPDATE (so the
api and the report job never both send it), sent, and marked `sent` or
`failed` with the error. Failed rows are retried by the report job with no
limit on age; a row stuck in `sending` (its sender died) is retried after
`STALE_AFTER`. Nothing here can roll an order back.
"""

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update

from shop.errors import NotificationError
from shop.schema import notifications

log = logging.getLogger("shop.notify")
STALE_AFTER = timedelta(minutes=5)
ORDER_EVENT, ORDER_EMAIL = "order_event", "order_email"


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
            raise NotificationError(f"{kind} not sent: {exc}") from exc


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
        }
        for kind, payload in entries
    ]
    if rows:
        conn.execute(notifications.insert(), rows)


def dispatch(
    conn: Connection,
    notifier: Notifier,
    *,
    now: Callable[[], datetime],
    order_id: str | None = None,
    limit: int = 100,
) -> dict[str, int]:
    """Send due notifications (of one order, or any) and return counts of sent and failed."""
    due = or_(
        notifications.c.status.in_(("pending", "failed")),
        and_(notifications.c.status == "sending", notifications.c.updated_at < now() - STALE_AFTER),
    )
    query = select(notifications.c.id).where(due).order_by(notifications.c.id).limit(limit)
    if order_id is not None:
        query = query.where(notifications.c.order_id == order_id)
    with conn.begin():
        ids = conn.execute(query).scalars().all()
    counts = {"sent": 0, "failed": 0}
    for row_id in ids:
        row = _claim(conn, row_id, due, now())
        if row is None:
            continue  # someone else is sending it
        try:
            notifier.deliver(row.kind, json.loads(row.payload))
        except NotificationError as exc:
            log.warning(
                "notification not sent; will retry",
                extra={"notification_id": row_id, "kind": row.kind, "reason": str(exc)[:300]},
            )
            _finish(conn, row_id, status="failed", error=str(exc)[:500], now=now())
            counts["failed"] += 1
        else:
            _finish(conn, row_id, status="sent", error=None, now=now())
            counts["sent"] += 1
    return counts


def _claim(conn: Connection, row_id: int, due, moment: datetime):
    with conn.begin():
        claimed = conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id, due)
            .values(status="sending", attempts=notifications.c.attempts + 1, updated_at=moment)
        )
        if claimed.rowcount != 1:
            return None
        return conn.execute(select(notifications).where(notifications.c.id == row_id)).first()


def _finish(conn: Connection, row_id: int, *, status: str, error: str | None, now) -> None:
    with conn.begin():
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row_id)
            .values(
                status=status,
                last_error=error,
                updated_at=now,
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
