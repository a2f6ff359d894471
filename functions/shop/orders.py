"""Placing orders: stock checked and decremented in one transaction.

Stock never oversells: each line is a conditional
`UPDATE ... SET stock = stock - q WHERE id = ? AND stock >= q`, so of two
orders racing for the last unit exactly one matches. Lines are taken in
product-id order so concurrent orders lock rows in the same order.

Idempotency: the order row carries the client's `Idempotency-Key` under a
unique index and is inserted first. A concurrent retry blocks on that index
until the first commits, then fails the insert and replays the first order;
if the first rolled back, the retry goes ahead. The same key with a
different body is a conflict.

The order's notifications go to the outbox in the same transaction (see
shop.notify); they are sent after commit and retried later if that fails.
A failed send never rolls the order back.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from shop import notify
from shop.errors import Conflict, NotFound, OutOfStock, ValidationFailed
from shop.money import format_cents
from shop.products import iso
from shop.schema import order_lines, orders, products

EMAIL = re.compile(r"^[^@\s\"'<>,;()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63}$")

# (kind, builder): the builder turns the placed order into the notification payload.
OutboxEntry = tuple[str, Callable[[dict], dict]]


def request_hash(email: str, items: list[dict]) -> str:
    """Return a digest of what was asked for, to spot a key reused with another body."""
    lines = sorted(merge_lines(items).items())
    canonical = json.dumps({"email": email.lower(), "items": lines})
    return hashlib.sha256(canonical.encode()).hexdigest()


def merge_lines(items: list[dict]) -> dict[int, int]:
    """Return {product_id: total quantity} in id order, so a product listed twice is one line."""
    merged: dict[int, int] = {}
    for item in items:
        merged[item["product_id"]] = merged.get(item["product_id"], 0) + item["quantity"]
    return dict(sorted(merged.items()))


def place_order(
    conn: Connection,
    *,
    email: str,
    items: list[dict],
    idempotency_key: str | None,
    now: datetime,
    new_id: Callable[[], str],
    outbox: list[OutboxEntry],
) -> tuple[dict, bool]:
    """Place an order and return (order, created); created is False for a replay.

    Raises ValidationFailed for an unknown product or a bad e-mail address,
    OutOfStock when a line cannot be served, and Conflict for an
    Idempotency-Key reused with a different request.
    """
    if len(email) > 254 or not EMAIL.match(email):
        raise ValidationFailed(
            "customer_email is not a valid e-mail address", field="customer_email"
        )
    digest = request_hash(email, items)
    if idempotency_key is not None:
        replay = _replay(conn, idempotency_key, digest)
        if replay is not None:
            return replay, False
    order_id = new_id()
    try:
        with conn.begin():
            conn.execute(
                orders.insert().values(
                    id=order_id,
                    customer_email=email,
                    status="placed",
                    total_cents=0,
                    currency="",
                    idempotency_key=idempotency_key,
                    request_hash=digest,
                    created_at=now,
                )
            )
            lines, currency = _take_stock(conn, merge_lines(items), items)
            conn.execute(order_lines.insert(), [{"order_id": order_id, **line} for line in lines])
            total = sum(line["unit_price_cents"] * line["quantity"] for line in lines)
            conn.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(total_cents=total, currency=currency)
            )
            order = _load(conn, order_id)
            notify.enqueue(
                conn, order_id, [(kind, build(order)) for kind, build in outbox], now=now
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        replay = _replay(conn, idempotency_key, digest)
        if replay is None:
            raise
        return replay, False
    return order, True


def _replay(conn: Connection, key: str, digest: str) -> dict | None:
    with conn.begin():
        row = conn.execute(
            select(orders.c.id, orders.c.request_hash).where(orders.c.idempotency_key == key)
        ).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise Conflict(
                "this Idempotency-Key was already used for a different order; use a new key",
                field="Idempotency-Key",
            )
        return _load(conn, row.id)


def _take_stock(conn: Connection, wanted: dict[int, int], items: list[dict]):
    rows = {
        row.id: row
        for row in conn.execute(
            select(products).where(products.c.id.in_(list(wanted)), products.c.deleted_at.is_(None))
        )
    }
    lines, currencies = [], set()
    for product_id, quantity in wanted.items():
        row = rows.get(product_id)
        if row is None:
            index = next(i for i, item in enumerate(items) if item["product_id"] == product_id)
            raise ValidationFailed(
                f"items[{index}].product_id: product {product_id} does not exist",
                field=f"items[{index}].product_id",
            )
        taken = conn.execute(
            update(products)
            .where(
                products.c.id == product_id,
                products.c.deleted_at.is_(None),
                products.c.stock >= quantity,
            )
            .values(stock=products.c.stock - quantity, version=products.c.version + 1)
        )
        if taken.rowcount != 1:
            raise OutOfStock(f"not enough stock for product {product_id} ({row.sku})")
        currencies.add(row.currency)
        lines.append(
            {
                "product_id": product_id,
                "sku": row.sku,
                "name": row.name,
                "unit_price_cents": row.price_cents,
                "quantity": quantity,
            }
        )
    if len(currencies) != 1:
        raise ValidationFailed("all items of an order must share one currency", field="items")
    return lines, currencies.pop()


def get_order(conn: Connection, order_id: str) -> dict:
    """Return the API representation of an order; raise NotFound."""
    with conn.begin():
        return _load(conn, order_id)


def _load(conn: Connection, order_id: str) -> dict:
    row = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if row is None:
        raise NotFound(f"order {order_id} does not exist")
    lines = conn.execute(
        select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id)
    ).all()
    return {
        "id": row.id,
        "status": row.status,
        "customer_email": row.customer_email,
        "items": [
            {
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "unit_price": format_cents(line.unit_price_cents),
                "quantity": line.quantity,
                "line_total": format_cents(line.unit_price_cents * line.quantity),
            }
            for line in lines
        ],
        "total": format_cents(row.total_cents),
        "currency": row.currency,
        "created_at": iso(row.created_at),
    }
