"""Property-based: arbitrary input is refused (4xx) or served, never a 5xx.

Hypothesis drives the validators and the JSON decoding through the real
handler with arbitrary strings (lone surrogates and control characters
included), numbers (huge, negative, fractional, NaN-free JSON numbers) and
nesting; what the API accepts and stores must read back equal. The examples
are bounded and derandomised, so the tier stays fast and every run tries the
same inputs.
"""

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.events import LambdaContext, load_event

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,  # the database's pace is not the property
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Hypothesis leaves surrogates out of text by default: let them in, with control
# characters, as often as any other character.
characters = st.one_of(
    st.characters(),
    st.integers(0xD800, 0xDFFF).map(chr),  # st.characters(categories=["Cs"]) rarely draws one
    st.characters(categories=["Cc"]),
)


def texts(min_size: int = 0, max_size: int = 40):
    return st.text(alphabet=characters, min_size=min_size, max_size=max_size)


numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str).map(float),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(texts(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
PRODUCT_KEYS = ["sku", "name", "description", "category", "price", "stock"]
ORDER_KEYS = ["customer_email", "items", "product_id", "quantity"]


def send(api, name: str, **overrides) -> dict:
    return api.handle(load_event(name, **overrides), LambdaContext("dev"))


def assert_not_a_server_error(answer: dict) -> None:
    assert answer["statusCode"] < 500, answer
    if answer["statusCode"] >= 400:
        assert json.loads(answer["body"])["error"]["code"], answer


@PROPERTY_SETTINGS
@given(
    body=st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(PRODUCT_KEYS + ORDER_KEYS), json_values, max_size=6),
    ),
    route=st.sampled_from(["create_product", "create_order"]),
)
def test_any_json_body_is_refused_or_served_never_a_5xx(api, body, route):
    text = json.dumps(body)  # "\ud800" travels as an escape, as a client would send it
    assert_not_a_server_error(send(api, route, body=text))


@PROPERTY_SETTINGS
@given(raw=texts(max_size=60) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_any_body_text_is_refused_or_served_never_a_5xx(api, raw):
    assert_not_a_server_error(send(api, "create_product", body=raw))


@PROPERTY_SETTINGS
@given(
    query=st.dictionaries(
        st.sampled_from(["category", "min_price", "max_price", "q", "sort", "page", "page_size"]),
        texts(max_size=20),
        max_size=4,
    ),
    product_id=texts(max_size=14),
)
def test_any_query_or_path_parameter_is_refused_or_served_never_a_5xx(api, query, product_id):
    assert_not_a_server_error(send(api, "list_products", query=query))
    assert_not_a_server_error(send(api, "get_product", path_params={"id": product_id}))


_skus = itertools.count()


@PROPERTY_SETTINGS
@given(
    name=texts(1, 200),
    description=texts(max_size=300),
    category=texts(1, 64),
    cents=st.integers(min_value=0, max_value=99_999_999_99),
    stock=st.integers(min_value=0, max_value=1_000_000),
)
def test_what_is_stored_reads_back_equal(api, name, description, category, cents, stock):
    # GIVEN a product whose text fields are arbitrary strings
    body = {
        "sku": f"PROP-{next(_skus)}",
        "name": name,
        "description": description,
        "category": category,
        "price": f"{cents // 100}.{cents % 100:02d}",
        "stock": stock,
    }
    # WHEN it is created
    created = send(api, "create_product", body=body)
    assert_not_a_server_error(created)
    if created["statusCode"] != 201:
        return  # refused with a 4xx: nothing to read back
    # THEN reading it back gives every field exactly as sent
    product_id = json.loads(created["body"])["id"]
    read = send(api, "get_product", path_params={"id": product_id})
    assert read["statusCode"] == 200, read
    stored = json.loads(read["body"])
    assert {key: stored[key] for key in body} == body
