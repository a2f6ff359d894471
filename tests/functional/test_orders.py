"""Orders: stock in one transaction, idempotency, notifications after commit."""

import json
from concurrent.futures import ThreadPoolExecutor

import pymysql
import pytest

from shop import notify
from shop.routes import utcnow
from support.events import LambdaContext, load_event


def order_body(*lines, email="ada@example.com"):
    return {"customer_email": email, "items": [{"product_id": p, "quantity": q} for p, q in lines]}


def stock_of(call, pid):
    return call("get_product", path_params={"id": pid}).json["stock"]


def table_count(mariadb, table, where=""):
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table} {where}")
        return cur.fetchone()[0]


def test_order_takes_stock_and_totals_in_decimal(call, add_product):
    mug = add_product(sku="MUG", price="12.50", stock=5)["id"]
    tea = add_product(sku="TEA", price="0.10", stock=100)["id"]
    answer = call(
        "create_order",
        body=order_body((mug, 2), (tea, 3), (mug, 1)),
        headers={"Idempotency-Key": None},
    )
    assert answer.status == 201
    assert answer.headers["Location"] == f"/v1/orders/{answer.json['id']}"
    assert answer.json["total"] == "37.80"  # 3 x 12.50 + 3 x 0.10, exactly
    assert [(i["sku"], i["quantity"], i["line_total"]) for i in answer.json["items"]] == [
        ("MUG", 3, "37.50"),
        ("TEA", 3, "0.30"),
    ]
    assert (stock_of(call, mug), stock_of(call, tea)) == (2, 97)
    fetched = call("get_order", path_params={"id": answer.json["id"]})
    assert fetched.status == 200 and fetched.json == answer.json


def test_out_of_stock_is_409_and_changes_nothing(call, add_product, mariadb):
    mug = add_product(sku="MUG", stock=1)["id"]
    tea = add_product(sku="TEA", stock=10)["id"]
    answer = call(
        "create_order", body=order_body((tea, 2), (mug, 2)), headers={"Idempotency-Key": None}
    )
    assert answer.status == 409 and answer.json["error"]["code"] == "out_of_stock"
    assert (stock_of(call, mug), stock_of(call, tea)) == (1, 10)
    assert table_count(mariadb, "orders") == 0 and table_count(mariadb, "notifications") == 0


def test_unknown_product_is_422_naming_the_line(call, add_product):
    add_product()
    answer = call(
        "create_order", body=order_body((1, 1), (777, 1)), headers={"Idempotency-Key": None}
    )
    assert answer.status == 422
    assert answer.json["error"]["field"] == "items[1].product_id"


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "a b@example.com", "x@example.com<script>"]
)
def test_bad_email_is_422(call, add_product, email):
    add_product()
    answer = call(
        "create_order", body=order_body((1, 1), email=email), headers={"Idempotency-Key": None}
    )
    assert answer.status == 422 and answer.json["error"]["field"] == "customer_email"


def test_unknown_order_is_404_and_a_malformed_id_422(call):
    assert call("get_order", path_params={"id": "f" * 32}).status == 404
    answer = call("get_order", path_params={"id": "1 OR 1=1"})
    assert answer.status == 422 and answer.json["error"]["field"] == "id"


def test_idempotency_key_replays_the_first_order(call, add_product, mariadb):
    pid = add_product(stock=10)["id"]
    first = call("create_order", body=order_body((pid, 2)), headers={"Idempotency-Key": "key-1"})
    again = call("create_order", body=order_body((pid, 2)), headers={"Idempotency-Key": "key-1"})
    assert (first.status, again.status) == (201, 200)
    assert again.json == first.json and again.headers["Idempotent-Replay"] == "true"
    assert stock_of(call, pid) == 8 and table_count(mariadb, "orders") == 1
    other = call("create_order", body=order_body((pid, 3)), headers={"Idempotency-Key": "key-1"})
    assert other.status == 409 and other.json["error"]["field"] == "Idempotency-Key"


def test_concurrent_orders_for_the_last_units_never_oversell(api, add_product, mariadb):
    # GIVEN 3 units and 12 shoppers each ordering 1, all at once
    pid = add_product(stock=3)["id"]

    def order(i):
        event = load_event(
            "create_order",
            body=order_body((pid, 1), email=f"s{i}@example.com"),
            headers={"Idempotency-Key": None},
        )
        return api.handle(event, LambdaContext("dev", request_id=f"r{i}"))["statusCode"]

    with ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(order, range(12)))
    # THEN exactly 3 win, the others get 409, and stock ends at zero
    assert statuses == [201] * 3 + [409] * 9
    assert table_count(mariadb, "orders") == 3
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        cur.execute("SELECT stock FROM products WHERE id = %s", (pid,))
        assert cur.fetchone()[0] == 0


def test_concurrent_retries_with_one_key_create_exactly_one_order(api, add_product, mariadb):
    pid = add_product(stock=100)["id"]
    event = load_event(
        "create_order", body=order_body((pid, 1)), headers={"Idempotency-Key": "retry-storm"}
    )

    def order(i):
        result = api.handle(json.loads(json.dumps(event)), LambdaContext("dev", request_id=f"r{i}"))
        return result["statusCode"], json.loads(result["body"]).get("id")

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(order, range(10)))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1
    # Others replay (200) or, when InnoDB picked them as a deadlock victim, are told to retry (503).
    assert set(statuses) <= {200, 201, 503}
    assert len({oid for s, oid in results if s in (200, 201)}) == 1
    assert table_count(mariadb, "orders") == 1 and stock_of_db(mariadb, pid) == 99


def stock_of_db(mariadb, pid):
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        cur.execute("SELECT stock FROM products WHERE id = %s", (pid,))
        return cur.fetchone()[0]


def test_order_publishes_the_event_and_sends_the_confirmation(call, add_product, aws, mariadb):
    pid = add_product(stock=5)["id"]
    answer = call("create_order", body=order_body((pid, 1)), headers={"Idempotency-Key": None})
    [event] = aws.published()
    assert event == {"type": "order.created", "order": answer.json}
    [email] = aws.sent_emails()
    assert email["to"] == ["ada@example.com"]
    assert answer.json["id"] in email["subject"] and "Total: 12.50 EUR" in email["body"]
    assert table_count(mariadb, "notifications", "WHERE status = 'sent'") == 2


def test_failed_sends_are_recorded_never_roll_back_and_are_retried(
    call, add_product, aws, mariadb, make_api
):
    # GIVEN SES refuses the sender and the topic does not exist
    pid = add_product(stock=5)["id"]
    broken = make_api({"SHOP_TOPIC_ARN": aws.topic_arn + "-gone"})
    aws.ses.delete_identity(Identity="orders@dev.shop.example.com")
    # WHEN an order is placed
    answer = call(
        "create_order", target=broken, body=order_body((pid, 1)), headers={"Idempotency-Key": None}
    )
    # THEN the order stands, and both sends are recorded as failed with the reason
    assert answer.status == 201 and stock_of(call, pid) == 4
    with (
        mariadb.admin(database="shop_test") as conn,
        conn.cursor(pymysql.cursors.DictCursor) as cur,
    ):
        cur.execute("SELECT kind, status, attempts, last_error FROM notifications ORDER BY kind")
        rows = cur.fetchall()
    assert [(r["kind"], r["status"], r["attempts"]) for r in rows] == [
        ("order_email", "failed", 1),
        ("order_event", "failed", 1),
    ]
    assert all(r["last_error"] for r in rows)
    # WHEN SES is back but the topic is still gone, and the relay runs after the rows' backoff
    aws.ses.verify_email_identity(EmailAddress="orders@dev.shop.example.com")
    counts = relay(broken, after=notify.backoff(1))
    # THEN the e-mail goes out and the event stays failed, both retried once more
    assert counts == {"sent": 1, "failed": 1, "parked": 0, "deferred": 0}
    assert notification_attempts(mariadb) == {
        "order_email": ("sent", 2),
        "order_event": ("failed", 2),
    }
    # WHEN the topic is back too, THEN only the event is sent: the e-mail is not sent twice
    counts = relay(make_api(), after=notify.backoff(1) + notify.backoff(2))
    assert counts == {"sent": 1, "failed": 0, "parked": 0, "deferred": 0}
    assert notification_attempts(mariadb) == {
        "order_email": ("sent", 2),
        "order_event": ("sent", 3),
    }
    assert len(aws.sent_emails()) == 1 and len(aws.published()) == 1
    assert table_count(mariadb, "notifications", "WHERE status = 'sent'") == 2


def relay(api, *, after) -> dict:
    """Run the relay's dispatch through `api` as if `after` had passed; return its tally."""
    with api.runtime.database.connect() as conn:
        return notify.dispatch(conn, api.runtime.notifier, now=lambda: utcnow() + after)


def notification_attempts(mariadb) -> dict[str, tuple[str, int]]:
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        cur.execute("SELECT kind, status, attempts FROM notifications")
        return {kind: (status, attempts) for kind, status, attempts in cur.fetchall()}
