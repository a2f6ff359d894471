"""Placing orders, at the edges, on SQLite (the local default): what a customer gets back.

These run without a MariaDB server so that `make mutate` can run them once
per mutant of shop/orders.py; tests/functional/test_orders.py covers the
same service against MariaDB and through the handler.
"""

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shop import notify, orders
from shop.db import Database, DatabaseSettings, make_engine
from shop.errors import Conflict, NotFound, OutOfStock, ValidationFailed
from shop.schema import metadata, notifications, order_lines, products

NOW = datetime(2026, 11, 27, 9, 30, 15, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def db(tmp_path):
    database = Database(make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path / 'shop.db'}")))
    metadata.create_all(database.engine)
    return database


def add(conn, sku, price_cents, stock, currency="EUR", deleted=False):
    with conn.begin():
        return conn.execute(
            products.insert().values(
                sku=sku,
                name=f"Name of {sku}",
                description="",
                category="kitchen",
                price_cents=price_cents,
                currency=currency,
                stock=stock,
                version=1,
                created_at=NOW,
                updated_at=NOW,
                deleted_at=NOW if deleted else None,
            )
        ).inserted_primary_key[0]


def stock(conn, product_id):
    with conn.begin():
        return conn.execute(select(products.c.stock).where(products.c.id == product_id)).scalar()


def version(conn, product_id):
    with conn.begin():
        return conn.execute(select(products.c.version).where(products.c.id == product_id)).scalar()


def place(conn, items, *, key=None, email="ada@example.com", outbox=(), ids=None):
    ids = iter(ids or [f"order-{n}" for n in range(1, 10)])
    return orders.place_order(
        conn,
        email=email,
        items=items,
        idempotency_key=key,
        now=NOW,
        new_id=lambda: next(ids),
        outbox=list(outbox),
    )


def test_an_order_takes_stock_and_reads_back_line_by_line(db):
    with db.connect() as conn:
        mug, pan = add(conn, "MUG", 1250, 5), add(conn, "PAN", 3999, 2)
        order, created = place(
            conn,
            [
                {"product_id": pan, "quantity": 1},
                {"product_id": mug, "quantity": 2},
                {"product_id": pan, "quantity": 1},
            ],
        )

        assert created is True
        assert order == {
            "id": "order-1",
            "status": "placed",
            "customer_email": "ada@example.com",
            "items": [
                {
                    "product_id": mug,
                    "sku": "MUG",
                    "name": "Name of MUG",
                    "unit_price": "12.50",
                    "quantity": 2,
                    "line_total": "25.00",
                },
                {
                    "product_id": pan,
                    "sku": "PAN",
                    "name": "Name of PAN",
                    "unit_price": "39.99",
                    "quantity": 2,
                    "line_total": "79.98",
                },
            ],
            "total": "104.98",
            "currency": "EUR",
            "created_at": "2026-11-27T09:30:15.000000Z",
        }
        assert (stock(conn, mug), stock(conn, pan)) == (3, 0)
        assert (version(conn, mug), version(conn, pan)) == (2, 2)
        assert orders.get_order(conn, "order-1") == order


def test_the_last_units_can_be_ordered_one_more_cannot_and_nothing_is_kept(db):
    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 2)
        with pytest.raises(OutOfStock, match=r"not enough stock for product \d+ \(MUG\)"):
            place(conn, [{"product_id": mug, "quantity": 3}])
        assert stock(conn, mug) == 2
        with conn.begin():
            assert conn.execute(select(func.count()).select_from(order_lines)).scalar() == 0
        order, _ = place(conn, [{"product_id": mug, "quantity": 2}], ids=["order-2"])
        assert order["total"] == "2.00" and stock(conn, mug) == 0


def test_an_unknown_or_deleted_product_names_the_line(db):
    with db.connect() as conn:
        mug, gone = add(conn, "MUG", 100, 5), add(conn, "OLD", 100, 5, deleted=True)
        for missing in (gone, 9999):
            items = [{"product_id": mug, "quantity": 1}, {"product_id": missing, "quantity": 1}]
            with pytest.raises(ValidationFailed) as caught:
                place(conn, items)
            assert caught.value.field == "items[1].product_id"
            assert str(caught.value) == (f"items[1].product_id: product {missing} does not exist")
        assert stock(conn, mug) == 5 and stock(conn, gone) == 5


def test_items_in_two_currencies_are_refused(db):
    with db.connect() as conn:
        eur, usd = add(conn, "EUR1", 100, 5), add(conn, "USD1", 100, 5, currency="USD")
        with pytest.raises(ValidationFailed) as caught:
            place(conn, [{"product_id": eur, "quantity": 1}, {"product_id": usd, "quantity": 1}])
        assert caught.value.field == "items"
        assert str(caught.value) == "all items of an order must share one currency"
        assert (stock(conn, eur), stock(conn, usd)) == (5, 5)


@pytest.mark.parametrize(
    "email",
    [
        "ada",
        "ada@example",
        "ada@example.c",
        "a da@example.com",
        "ada@exa_mple.com",
        "<ada>@example.com",
        "ada@example.com.",
        "x" * 243 + "@example.com",
    ],
)
def test_a_bad_email_is_refused_before_anything_is_written(db, email):
    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        with pytest.raises(ValidationFailed, match="not a valid e-mail") as caught:
            place(conn, [{"product_id": mug, "quantity": 1}], email=email)
        assert caught.value.field == "customer_email"
        assert str(caught.value) == "customer_email is not a valid e-mail address"
        assert stock(conn, mug) == 5


def test_the_longest_email_allowed_is_accepted(db):
    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        email = "x" * 242 + "@example.com"
        assert len(email) == 254
        order, _ = place(conn, [{"product_id": mug, "quantity": 1}], email=email)
        assert order["customer_email"] == email


def test_a_retry_with_the_same_key_replays_the_first_order_and_takes_nothing(db):
    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        items = [{"product_id": mug, "quantity": 2}]
        first, created = place(conn, items, key="k-1")
        again, created_again = place(conn, items, key="k-1", ids=["order-9"])
        same_in_other_words, _ = place(
            conn, [{"product_id": mug, "quantity": 1}] * 2, key="k-1", email="ADA@example.com"
        )
        assert (created, created_again) == (True, False)
        assert again == first == same_in_other_words
        assert stock(conn, mug) == 3


def test_a_key_reused_for_another_order_is_a_conflict(db):
    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        place(conn, [{"product_id": mug, "quantity": 1}], key="k-1")
        for other in ([{"product_id": mug, "quantity": 2}], [{"product_id": mug, "quantity": 1}]):
            email = "bob@example.com" if other[0]["quantity"] == 1 else "ada@example.com"
            with pytest.raises(Conflict) as caught:
                place(conn, other, key="k-1", email=email)
            assert caught.value.field == "Idempotency-Key"
            assert str(caught.value) == (
                "this Idempotency-Key was already used for a different order; use a new key"
            )
        assert stock(conn, mug) == 4


def test_a_new_key_whose_insert_fails_for_another_reason_is_an_error_not_a_replay(db):
    from sqlalchemy.exc import IntegrityError

    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        place(conn, [{"product_id": mug, "quantity": 1}], key="k-1")
        with pytest.raises(IntegrityError):
            place(conn, [{"product_id": mug, "quantity": 1}], key="k-2", ids=["order-1"])
        assert stock(conn, mug) == 4


def test_an_order_without_a_key_that_collides_is_an_error_not_a_replay(db):
    from sqlalchemy.exc import IntegrityError

    with db.connect() as conn:
        mug = add(conn, "MUG", 100, 5)
        place(conn, [{"product_id": mug, "quantity": 1}])
        with pytest.raises(IntegrityError):
            place(conn, [{"product_id": mug, "quantity": 1}], ids=["order-1"])
        assert stock(conn, mug) == 4


def test_the_outbox_gets_one_row_per_notification_with_the_placed_order(db):
    with db.connect() as conn:
        mug = add(conn, "MUG", 1250, 5)
        outbox = [
            (notify.ORDER_EVENT, notify.order_event),
            (notify.ORDER_EMAIL, notify.order_email("shop@example.com")),
        ]
        order, _ = place(conn, [{"product_id": mug, "quantity": 1}], outbox=outbox)
        with conn.begin():
            rows = conn.execute(select(notifications).order_by(notifications.c.id)).all()
        assert [(r.order_id, r.kind, r.status, r.attempts) for r in rows] == [
            ("order-1", "order_event", "pending", 0),
            ("order-1", "order_email", "pending", 0),
        ]
        assert '"total": "12.50"' in rows[0].payload


def test_an_unknown_order_is_not_found(db):
    with db.connect() as conn, pytest.raises(NotFound, match="order nope does not exist"):
        orders.get_order(conn, "nope")


def test_the_request_hash_ignores_case_of_the_email_order_and_split_lines():
    one = orders.request_hash("Ada@Example.com", [{"product_id": 2, "quantity": 1}] * 2)
    two = orders.request_hash("ada@example.com", [{"product_id": 2, "quantity": 2}])
    other = orders.request_hash("ada@example.com", [{"product_id": 2, "quantity": 3}])
    assert one == two != other
    assert orders.merge_lines(
        [{"product_id": 3, "quantity": 1}, {"product_id": 1, "quantity": 2}]
    ) == {1: 2, 3: 1}
    assert list(
        orders.merge_lines([{"product_id": 3, "quantity": 1}, {"product_id": 1, "quantity": 1}])
    ) == [1, 3]


def test_the_request_digest_is_stable_across_releases():
    """Stored with every keyed order: a new canonical form would turn every
    retry of an order placed before a deploy into a 409."""
    digest = orders.request_hash("Ada@Example.com", [{"product_id": 2, "quantity": 1}])
    canonical = '{"email": "ada@example.com", "items": [[2, 1]]}'
    assert digest == hashlib.sha256(canonical.encode()).hexdigest()
