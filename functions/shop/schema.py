"""Tables, as SQLAlchemy Core. The Alembic migrations create exactly these
(a test compares them), and every query in the services is built from them,
so every value travels as a bound parameter.

Money is stored as integer cents: exact on MySQL and on SQLite alike (the
SQLite driver has no decimal type), and turned into Decimal at the edges.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

# Microsecond timestamps on MySQL (its DATETIME defaults to whole seconds).
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


def _table(name: str, *columns_and_indexes) -> Table:
    """Return a table of `metadata`, InnoDB with 4-byte UTF-8 on MySQL."""
    return Table(
        name, metadata, *columns_and_indexes, mysql_engine="InnoDB", mysql_charset="utf8mb4"
    )


products = _table(
    "products",
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(64), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("stock", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("deleted_at", Timestamp, nullable=True),
    Index("ix_products_category_price", "category", "price_cents"),
    Index("ix_products_created_at", "created_at"),
)

orders = _table(
    "orders",
    Column("id", String(32), primary_key=True),
    Column("customer_email", String(254), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("idempotency_key", String(128), nullable=True, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_orders_created_at", "created_at"),
)

order_lines = _table(
    "order_lines",
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_price_cents", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
)

# The outbox: written in the order's transaction, so a notification can be
# late but never lost; sent after commit and retried by the relay.
notifications = _table(
    "notifications",
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(32), ForeignKey("orders.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # order_event (SNS) | order_email (SES)
    # pending | sending | sent | failed (due again at next_attempt_at) | parked (given up)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("payload", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("sent_at", Timestamp, nullable=True),
    Column("next_attempt_at", Timestamp, nullable=True),
    Index("ix_notifications_status", "status", "updated_at"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)
