"""What every baseline shares, so that they differ only in their framework.

Standard library only: the bare handler uses it too. Answers are shaped
exactly like ours (same fields, same money and time formats, same ETag).
"""

from datetime import datetime
from decimal import Decimal

CORS_EXPOSED = "ETag,Location,Retry-After"
SORTS = ("price", "-price", "name", "-created_at")
CENT = Decimal("0.01")


class BadInput(ValueError):
    """A parameter is missing or out of range; the message names it."""


def config_parameter(env) -> str:
    """Return the SSM parameter name of this stage's config (as Terraform writes it)."""
    return env["SHOP_CONFIG_PARAMETER"].replace("{alias}", env["SHOP_STAGE"])


def to_json(row) -> dict:
    """Return the API representation of a product row (ours, field for field)."""
    return {
        "id": row.id,
        "sku": row.sku,
        "name": row.name,
        "description": row.description,
        "category": row.category,
        "price": format_cents(row.price_cents),
        "currency": row.currency,
        "stock": row.stock,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def format_cents(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(CENT))


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


def etag(row) -> str:
    return f'"p{row.id}-v{row.version}"'


def positive_int(raw, name: str, default: int | None = None, maximum: int | None = None) -> int:
    """Return `raw` as an int >= 1 (and <= maximum); raise BadInput naming `name`."""
    if raw is None:
        if default is None:
            raise BadInput(f"{name} is required")
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be an integer") from None
    if value < 1 or (maximum is not None and value > maximum):
        raise BadInput(f"{name} is out of range")
    return value


def product(repo, raw_id, *, bad: type[Exception], missing: type[Exception]):
    """GET /v1/products/{id}'s row from `repo`; raise the framework's `bad` (its 400) for
    an id that is not a positive integer, its `missing` (its 404) for no such product."""
    try:
        row = repo.get(positive_int(raw_id, "id"))
    except BadInput as exc:
        raise bad(str(exc)) from exc
    if row is None:
        raise missing(f"product {raw_id} does not exist")
    return row


def list_query(query: dict | None, config: dict) -> dict:
    """Return the validated filters and page of GET /v1/products; raise BadInput."""
    query = query or {}
    sort = query.get("sort") or "name"
    if sort not in SORTS:
        raise BadInput(f"sort must be one of {', '.join(SORTS)}")
    return {
        "category": query.get("category"),
        "sort": sort,
        "page": positive_int(query.get("page"), "page", 1),
        "page_size": positive_int(
            query.get("page_size"),
            "page_size",
            config.get("page_size_default", 20),
            config.get("page_size_max", 100),
        ),
    }


def products_page(repo, query: dict | None, config: dict) -> dict:
    """GET /v1/products's answer: validated filters, one page from `repo`; raise BadInput."""
    q = list_query(query, config)
    rows, total = repo.page(q["category"], q["sort"], q["page"], q["page_size"])
    return page_json(rows, total, q["page"], q["page_size"])


def health(repo, env) -> dict:
    """GET /v1/health's answer, once `repo` reached the database."""
    repo.ping()
    return {"status": "ok", "database": "ok", "stage": env["SHOP_STAGE"]}


def page_json(rows, total: int, page: int, page_size: int) -> dict:
    pages = -(-total // page_size)
    return {
        "items": [to_json(row) for row in rows],
        "page": page,
        "page_size": page_size,
        "total": total,
        "total_pages": pages,
    }
