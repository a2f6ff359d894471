"""The daily report: yesterday's orders, summarised and e-mailed.

Runs in the `report` function on an EventBridge schedule. Days are UTC.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, func, select

from shop.money import format_cents
from shop.schema import order_lines, orders


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the [start, end) of a UTC day as naive UTC datetimes."""
    start = datetime.combine(day, time.min)
    return start, start + timedelta(days=1)


def summarise(conn: Connection, day: date, *, top: int = 5) -> dict:
    """Return the orders, revenue and best sellers of `day`."""
    start, end = day_bounds(day)
    in_day = (orders.c.created_at >= start, orders.c.created_at < end)
    with conn.begin():
        count, revenue = conn.execute(
            select(func.count(), func.coalesce(func.sum(orders.c.total_cents), 0)).where(*in_day)
        ).one()
        best = conn.execute(
            select(
                order_lines.c.sku,
                order_lines.c.name,
                func.sum(order_lines.c.quantity).label("units"),
            )
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(*in_day)
            .group_by(order_lines.c.sku, order_lines.c.name)
            .order_by(func.sum(order_lines.c.quantity).desc(), order_lines.c.sku)
            .limit(top)
        ).all()
    return {
        "date": day.isoformat(),
        "orders": count,
        "revenue": format_cents(int(revenue)),
        "top_products": [{"sku": r.sku, "name": r.name, "units": int(r.units)} for r in best],
    }


def render_text(summary: dict, *, currency: str, notifications: dict[str, int]) -> str:
    """Return the report e-mail's body."""
    lines = [
        f"Orders on {summary['date']} (UTC): {summary['orders']}",
        f"Revenue: {summary['revenue']} {currency}",
        "",
        "Best sellers:",
    ]
    lines += [f"  {p['units']:>5}  {p['sku']}  {p['name']}" for p in summary["top_products"]]
    if not summary["top_products"]:
        lines.append("  (none)")
    lines += [
        "",
        "Notifications: " + ", ".join(f"{k} {v}" for k, v in sorted(notifications.items())),
    ]
    return "\n".join(lines)
