"""Products through the real handler, against MariaDB over TLS."""

from support.data import PRODUCT


def test_create_returns_the_product_with_location_and_etag(call):
    answer = call("create_product")
    assert answer.status == 201
    assert answer.json | {"id": 0, "created_at": "", "updated_at": ""} == {
        **PRODUCT,
        "id": 0,
        "currency": "EUR",
        "created_at": "",
        "updated_at": "",
    }
    assert answer.headers["Location"] == f"/v1/products/{answer.json['id']}"
    assert answer.headers["ETag"] == f'"p{answer.json["id"]}-v1"'
    fetched = call("get_product", path_params={"id": answer.json["id"]})
    assert fetched.json == answer.json


def test_duplicate_sku_is_a_conflict_naming_the_field(call, add_product):
    add_product()
    answer = call("create_product")
    assert answer.status == 409
    assert answer.json["error"]["field"] == "sku"


def test_filters_sort_and_paginate(call, add_product):
    for i, (category, price) in enumerate(
        [("kitchen", "5.00"), ("kitchen", "15.00"), ("kitchen", "25.00"), ("garden", "9.99")]
    ):
        add_product(sku=f"SKU-{i}", name=f"Item {i}", category=category, price=price)
    answer = call(
        "list_products",
        query={"category": "kitchen", "min_price": "5", "max_price": "20", "sort": "-price"},
    )
    assert [p["price"] for p in answer.json["items"]] == ["15.00", "5.00"]
    assert answer.json["total"] == 2
    page = call("list_products", query={"sort": "price", "page": "2", "page_size": "3"})
    assert [p["price"] for p in page.json["items"]] == ["25.00"]
    assert (page.json["page"], page.json["total_pages"], page.json["total"]) == (2, 2, 4)
    assert page.json["next"] is None
    assert page.json["prev"] == "/v1/products?sort=price&page=1&page_size=3"
    first = call("list_products", query={"sort": "price", "page_size": "3"})
    assert first.json["next"] == "/v1/products?sort=price&page=2&page_size=3"


def test_name_search_is_case_insensitive_and_treats_wildcards_literally(call, add_product):
    add_product(sku="A", name="Blue Enamel Mug")
    add_product(sku="B", name="100% cotton towel")
    add_product(sku="C", name="1000 piece puzzle")
    assert [p["sku"] for p in call("list_products", query={"q": "enamel"}).json["items"]] == ["A"]
    assert [p["sku"] for p in call("list_products", query={"q": "100%"}).json["items"]] == ["B"]
    assert call("list_products", query={"q": "_"}).json["total"] == 0


def test_sort_by_newest(call, add_product):
    for sku in ("OLD", "MID", "NEW"):
        add_product(sku=sku)
    skus = [p["sku"] for p in call("list_products", query={"sort": "-created_at"}).json["items"]]
    assert skus == ["NEW", "MID", "OLD"]


def test_bad_filters_are_422_naming_the_parameter(call):
    cases = {
        "page_size": ("101", "page_size must be at most 100"),
        "page": ("0", "page must be at least 1"),
        "min_price": ("12.345", "min_price has an invalid format"),
        "sort": ("price; DROP TABLE products", "sort must be one of"),
    }
    for name, (value, message) in cases.items():
        answer = call("list_products", query={name: value})
        assert answer.status == 422, name
        assert answer.json["error"]["field"] == name
        assert message in answer.json["error"]["message"]
    answer = call("list_products", query={"min_price": "20", "max_price": "10"})
    assert answer.status == 422 and answer.json["error"]["field"] == "min_price"


def test_page_size_limit_comes_from_the_stage_config(call, aws, make_api):
    aws.set_config("dev", page_size_max=50, page_size_default=10)
    fresh = make_api()  # a new container reads the new config
    answer = call("list_products", target=fresh, query={"page_size": "51"})
    assert answer.status == 422
    assert answer.json["error"]["message"] == "page_size must be at most 50"
    assert call("list_products", target=fresh, query={}).json["page_size"] == 10


def test_update_with_if_match_and_a_stale_etag(call, add_product):
    product = add_product()
    pid = product["id"]
    body = {**PRODUCT, "price": "13.00"}
    updated = call(
        "update_product", path_params={"id": pid}, body=body, headers={"If-Match": f'"p{pid}-v1"'}
    )
    assert updated.status == 200 and updated.json["price"] == "13.00"
    assert updated.headers["ETag"] == f'"p{pid}-v2"'
    stale = call(
        "update_product", path_params={"id": pid}, body=body, headers={"If-Match": f'"p{pid}-v1"'}
    )
    assert stale.status == 412
    assert call("get_product", path_params={"id": pid}).json["price"] == "13.00"


def test_update_and_delete_unknown_products_are_404(call):
    assert call("update_product", path_params={"id": 999}, body=PRODUCT).status == 404
    assert call("delete_product", path_params={"id": 999}).status == 404


def test_delete_hides_the_product(call, add_product):
    pid = add_product()["id"]
    assert call("delete_product", path_params={"id": pid}).status == 204
    assert call("get_product", path_params={"id": pid}).status == 404
    assert call("list_products", query={}).json["total"] == 0
    assert call("delete_product", path_params={"id": pid}).status == 404
