"""Input the contract refuses gets a 4xx (a 422 naming the field), is never stored, never a 500.

Each case is what a hostile or careless consumer sends: a lone surrogate
(valid JSON, not storable text), a trailing newline that a `$`-anchored
pattern would let through, control characters in an address, and an alias
error whose details belong in the logs, not in the answer.
"""

import pytest

from support.events import LambdaContext

ORDER_ID = "0123456789abcdef0123456789abcdef"


def order_body(email: str, product_id: int = 1) -> dict:
    return {"customer_email": email, "items": [{"product_id": product_id, "quantity": 1}]}


def refused(answer, field: str | None = None) -> dict:
    assert answer.status in (400, 422), answer
    error = answer.json["error"]
    assert error["code"] in ("validation_error", "bad_request"), error
    if field:
        assert error.get("field") == field, error
    return error


@pytest.mark.parametrize(
    "email",
    ["\ud800a@example.com", "ada@exam\udc00ple.com"],
    ids=["high-surrogate", "low-surrogate"],
)
def test_a_lone_surrogate_in_customer_email_is_refused(call, add_product, email):
    pid = add_product()["id"]
    refused(call("create_order", body=order_body(email, pid)), "customer_email")


def test_a_lone_surrogate_in_a_product_name_is_refused_and_nothing_is_stored(call):
    body = {"sku": "SUR-1", "name": "mug \ud800", "category": "c", "price": "1.00", "stock": 1}
    refused(call("create_product", body=body), "name")
    assert call("list_products", query={}).json["items"] == []


@pytest.mark.parametrize(
    "email",
    [
        "ada@example.com\n",
        "ada\x00@example.com",
        "ada@example.com\x00",
        "a\tda@example.com",
        "ada\x7f@example.com",
        "ada\r\n@example.com",
        "ada\x85@example.com",
    ],
    ids=["trailing-newline", "nul", "trailing-nul", "tab", "del", "crlf", "c1-control"],
)
def test_control_characters_in_customer_email_are_refused(call, add_product, email):
    pid = add_product()["id"]
    refused(call("create_order", body=order_body(email, pid)), "customer_email")


def test_a_sku_with_a_trailing_newline_is_refused_not_stored_beside_the_plain_one(
    call, add_product
):
    add_product(sku="DUP-1")
    answer = call(
        "create_product",
        body={"sku": "DUP-1\n", "name": "mug", "category": "c", "price": "1.00", "stock": 1},
    )
    refused(answer, "sku")
    assert [p["sku"] for p in call("list_products", query={}).json["items"]] == ["DUP-1"]


def test_a_price_with_a_trailing_newline_is_refused(call):
    body = {"sku": "NL-1", "name": "mug", "category": "c", "price": "12.50\n", "stock": 1}
    refused(call("create_product", body=body), "price")


def test_query_and_path_values_with_a_trailing_newline_are_refused(call, add_product):
    pid = add_product()["id"]
    refused(call("list_products", query={"min_price": "12.50\n"}), "min_price")
    refused(call("get_product", path_params={"id": f"{pid}\n"}), "id")
    refused(call("get_order", path_params={"id": ORDER_ID + "\n"}), "id")
    # ... while the same values without it are served
    assert call("list_products", query={"min_price": "12.50"}).status == 200
    assert call("get_product", path_params={"id": str(pid)}).status == 200


@pytest.mark.parametrize("alias", [None, "prod"])
def test_a_config_error_names_neither_the_function_nor_the_aliases_to_the_caller(call, alias):
    answer = call("health", alias=alias)
    assert answer.status == 500 and answer.json["error"]["code"] == "config_error"
    text = str(answer.raw["body"])
    arn = LambdaContext(alias).invoked_function_arn
    for secret in (arn, arn.split(":")[4], arn.split(":")[6], "serves", "dev"):
        assert secret not in text, secret
