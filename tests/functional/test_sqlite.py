"""SQLite, the embedded local default, runs the same code with the same results."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from shop import migrations
from support.events import LambdaContext, load_event


@pytest.fixture
def sqlite_api(aws, make_api, tmp_path):
    api = make_api({"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}", "SHOP_DB_CA_BUNDLE": ""})
    migrations.upgrade(api.runtime.database.engine)
    return api


def test_the_main_flows_work_on_sqlite(call, sqlite_api):
    product = call("create_product", target=sqlite_api)
    assert product.status == 201 and product.json["price"] == "12.50"
    pid = product.json["id"]
    listed = call("list_products", target=sqlite_api, query={"q": "ENAMEL", "max_price": "12.50"})
    assert [p["id"] for p in listed.json["items"]] == [pid]
    body = {"customer_email": "ada@example.com", "items": [{"product_id": pid, "quantity": 2}]}
    first = call("create_order", target=sqlite_api, body=body)
    again = call("create_order", target=sqlite_api, body=body)
    assert (first.status, again.status, first.json["total"]) == (201, 200, "25.00")
    assert call("get_product", target=sqlite_api, path_params={"id": pid}).json["stock"] == 23


def test_no_oversell_on_sqlite_either(call, sqlite_api):
    pid = call(
        "create_product",
        target=sqlite_api,
        body={"sku": "LAST", "name": "Last one", "category": "c", "price": "1.00", "stock": 2},
    ).json["id"]

    def order(i):
        event = load_event(
            "create_order",
            headers={"Idempotency-Key": None},
            body={
                "customer_email": f"s{i}@example.com",
                "items": [{"product_id": pid, "quantity": 1}],
            },
        )
        return sqlite_api.handle(event, LambdaContext("dev"))["statusCode"]

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(order, range(6)))
    assert statuses.count(201) == 2
    assert set(statuses) <= {201, 409, 503}
