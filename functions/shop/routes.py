"""One function per operationId of the contract: parse -> service -> response.

Each gets the bound Request and the per-request Context and opens at most
one database connection, which `Database.connect()` always closes.
"""

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from sqlalchemy import text

from shop import metrics, notify, orders, products
from shop.config import AppConfig
from shop.db import Database
from shop.errors import ValidationFailed
from shop.http import Request, Response
from shop.money import to_cents

log = logging.getLogger("shop.routes")


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime (how it is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_order_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Context:
    config: AppConfig
    db: Database
    notifier: notify.Notifier
    now: Callable[[], datetime] = utcnow
    new_id: Callable[[], str] = new_order_id
    send_budget: notify.SendBudget | None = None
    # Seconds this invocation may still spend, the response excepted (None: unbounded).
    remaining_s: Callable[[], float | None] = lambda: None


def get_health(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()
    return Response(200, {"status": "ok", "database": "ok", "stage": ctx.config.stage})


def list_products(req: Request, ctx: Context) -> Response:
    p = req.params
    page_size = p.get("page_size", ctx.config.page_size_default)
    if page_size > ctx.config.page_size_max:
        raise ValidationFailed(
            f"page_size must be at most {ctx.config.page_size_max}", field="page_size"
        )
    filters = {
        "category": p.get("category"),
        "q": p.get("q"),
        "sort": p.get("sort"),
        "min_cents": to_cents(p["min_price"]) if "min_price" in p else None,
        "max_cents": to_cents(p["max_price"]) if "max_price" in p else None,
    }
    if None not in (filters["min_cents"], filters["max_cents"]) and (
        filters["min_cents"] > filters["max_cents"]
    ):
        raise ValidationFailed("min_price must not be greater than max_price", field="min_price")
    page = p.get("page", 1)
    with ctx.db.connect() as conn:
        rows, total = products.list_products(conn, filters, page=page, page_size=page_size)
    pages = math.ceil(total / page_size)
    return Response(
        200,
        {
            "items": [products.to_json(row) for row in rows],
            "page": page,
            "page_size": page_size,
            "total": total,
            "total_pages": pages,
            "next": _page_link(p, page + 1, page_size) if page < pages else None,
            "prev": _page_link(p, page - 1, page_size) if 1 < page <= pages + 1 else None,
        },
    )


def _page_link(params: dict, page: int, page_size: int) -> str:
    keys = ("category", "min_price", "max_price", "q", "sort")
    query = {k: params[k] for k in keys if k in params} | {"page": page, "page_size": page_size}
    return "/v1/products?" + urlencode(query)


def get_product(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        row = products.get_product(conn, req.params["id"])
    return Response(200, products.to_json(row), {"ETag": products.etag(row)})


def _product_fields(body: dict) -> dict:
    return {
        "sku": body["sku"],
        "name": body["name"],
        "description": body.get("description", ""),
        "category": body["category"],
        "price_cents": to_cents(body["price"]),
        "stock": body["stock"],
    }


def create_product(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        row = products.create_product(
            conn, _product_fields(req.body), now=ctx.now(), currency=ctx.config.currency
        )
    headers = {"Location": f"/v1/products/{row.id}", "ETag": products.etag(row)}
    return Response(201, products.to_json(row), headers)


def update_product(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        row = products.update_product(
            conn,
            req.params["id"],
            _product_fields(req.body),
            now=ctx.now(),
            if_match=req.params.get("If-Match"),
        )
    return Response(200, products.to_json(row), {"ETag": products.etag(row)})


def delete_product(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        products.delete_product(conn, req.params["id"], now=ctx.now())
    return Response(204)


def create_order(req: Request, ctx: Context) -> Response:
    outbox: list[orders.OutboxEntry] = []
    if ctx.config.order_events:
        outbox.append((notify.ORDER_EVENT, notify.order_event))
    if ctx.config.order_emails and ctx.config.sender_email:
        outbox.append((notify.ORDER_EMAIL, notify.order_email(ctx.config.sender_email)))
    with ctx.db.connect() as conn:
        order, created = orders.place_order(
            conn,
            email=req.body["customer_email"],
            items=req.body["items"],
            idempotency_key=req.params.get("Idempotency-Key"),
            now=ctx.now(),
            new_id=ctx.new_id,
            outbox=outbox,
        )
        if created:
            metrics.put("OrdersPlaced", 1)
            metrics.put("OrderValue", float(order["total"]))
            _send_after_commit(conn, ctx, order["id"], len(outbox))
    if not created:
        return Response(200, order, {"Idempotent-Replay": "true"})
    return Response(201, order, {"Location": f"/v1/orders/{order['id']}"})


def _send_after_commit(conn, ctx: Context, order_id: str, count: int) -> None:
    # The order is committed: whatever happens here must not turn its 201 into
    # an error or a timeout, or a client without an Idempotency-Key would order
    # twice. Sends happen only within the budget; the rest stays for the relay.
    budget = ctx.send_budget or notify.SendBudget()
    deadline = budget.deadline(ctx.remaining_s())
    if deadline is None:
        log.info("notifications left to the relay", extra={"order_id": order_id})
        if count:
            metrics.put("NotificationsDeferred", count)
        return
    try:
        notify.dispatch(
            conn,
            ctx.notifier,
            now=ctx.now,
            order_id=order_id,
            budget=budget,
            deadline=deadline,
            backoff_first=budget.backoff_first,
        )
    except Exception:
        log.warning(
            "notifications deferred to the relay", exc_info=True, extra={"order_id": order_id}
        )


def get_order(req: Request, ctx: Context) -> Response:
    with ctx.db.connect() as conn:
        order = orders.get_order(conn, req.params["id"])
    return Response(200, order)


HANDLERS: dict[str, Callable[[Request, Context], Response]] = {
    "getHealth": get_health,
    "listProducts": list_products,
    "getProduct": get_product,
    "createProduct": create_product,
    "updateProduct": update_product,
    "deleteProduct": delete_product,
    "createOrder": create_order,
    "getOrder": get_order,
}
