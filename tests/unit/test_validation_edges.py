"""The contract's schema rules at their edges, each failure naming its field and limit."""

from decimal import Decimal

import pytest

from shop.errors import ValidationFailed
from shop.validation import coerce, validate

DOCUMENT = {
    "components": {
        "schemas": {
            "Line": {
                "type": "object",
                "required": ["product_id", "quantity"],
                "additionalProperties": False,
                "properties": {
                    "product_id": {"type": "integer", "minimum": 1},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 5},
                },
            }
        }
    }
}
ORDER = {
    "type": "object",
    "required": ["email", "items"],
    "properties": {
        "email": {"type": "string", "minLength": 3, "maxLength": 6, "pattern": "^[a-z@.]+$"},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {"$ref": "#/components/schemas/Line"},
        },
        "note": {"type": "string"},
        "kind": {"enum": ["a", 1]},
        "price": {"type": "number", "minimum": 0, "maximum": Decimal("9.99")},
        "flag": {"type": "boolean"},
    },
}


def failure(value, name="body"):
    with pytest.raises(ValidationFailed) as caught:
        validate(DOCUMENT, ORDER, value, name)
    return caught.value.field, str(caught.value)


def ok(**changes):
    return {"email": "a@b.c", "items": [{"product_id": 1, "quantity": 1}], **changes}


def test_a_valid_body_at_every_edge_passes():
    validate(DOCUMENT, ORDER, ok(email="a@b", price=Decimal("9.99"), kind=1), "body")
    validate(DOCUMENT, ORDER, ok(email="ab@c.d", price=0, flag=False, kind="a"), "body")
    two = [{"product_id": 1, "quantity": 5}, {"product_id": 2, "quantity": 1}]
    validate(DOCUMENT, ORDER, ok(items=two), "body")
    validate(DOCUMENT, ORDER, ok(extra="allowed at the top"), "body")


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ({"items": []}, "body.email", "body.email is required"),
        (ok(email="ab"), "body.email", "body.email must be at least 3 characters"),
        (ok(email="abcdefg"), "body.email", "body.email must be at most 6 characters"),
        (ok(email="A@B.C"), "body.email", "body.email has an invalid format"),
        (ok(items=[]), "body.items", "body.items must have at least 1 item(s)"),
        (
            ok(items=[{"product_id": 1, "quantity": 1}] * 3),
            "body.items",
            "body.items must have at most 2 items",
        ),
        (
            ok(items=[{"product_id": 1, "quantity": 1}, {"product_id": 0, "quantity": 1}]),
            "body.items[1].product_id",
            "body.items[1].product_id must be at least 1",
        ),
        (
            ok(items=[{"product_id": 1, "quantity": 6}]),
            "body.items[0].quantity",
            "body.items[0].quantity must be at most 5",
        ),
        (
            ok(items=[{"product_id": 1}]),
            "body.items[0].quantity",
            "body.items[0].quantity is required",
        ),
        (
            ok(items=[{"product_id": 1, "quantity": 1, "gift": True}]),
            "body.items[0].gift",
            "body.items[0].gift is not allowed",
        ),
        (
            ok(items=[{"product_id": True, "quantity": 1}]),
            "body.items[0].product_id",
            "body.items[0].product_id must be of type integer",
        ),
        (ok(price=Decimal("10.00")), "body.price", "body.price must be at most 9.99"),
        (ok(price=-1), "body.price", "body.price must be at least 0"),
        (ok(price="1.00"), "body.price", "body.price must be of type number"),
        (ok(flag=1), "body.flag", "body.flag must be of type boolean"),
        (ok(note=None), "body.note", "body.note must be of type string"),
        (ok(kind="b"), "body.kind", "body.kind must be one of: a, 1"),
        ([], "body", "body must be of type object"),
    ],
)
def test_each_broken_rule_names_its_field_and_limit(value, field, message):
    assert failure(value) == (field, message)


def test_a_top_level_object_without_a_name_names_the_key_alone():
    with pytest.raises(ValidationFailed) as caught:
        validate(DOCUMENT, ORDER, {"items": []}, "")
    assert (caught.value.field, str(caught.value)) == ("email", "email is required")


def test_a_minimum_length_of_zero_accepts_the_empty_string():
    validate(DOCUMENT, {"type": "string"}, "", "q")
    validate(DOCUMENT, {"type": "array", "items": {"type": "integer"}}, [], "ids")


@pytest.mark.parametrize(
    ("text", "schema", "value"),
    [
        ("42", {"type": "integer"}, 42),
        ("-7", {"type": "integer"}, -7),
        ("+3", {"type": "integer"}, 3),
        ("999999999999", {"type": "integer"}, 999999999999),
        ("true", {"type": "boolean"}, True),
        ("false", {"type": "boolean"}, False),
        ("12.50", {"type": "string"}, "12.50"),
        ("x", {}, "x"),
    ],
)
def test_parameter_text_becomes_its_declared_type(text, schema, value):
    assert coerce(text, schema, "p") == value


@pytest.mark.parametrize(
    ("text", "schema", "message"),
    [
        ("4.2", {"type": "integer"}, "page must be an integer"),
        ("1000000000000", {"type": "integer"}, "page must be an integer"),
        ("", {"type": "integer"}, "page must be an integer"),
        ("True", {"type": "boolean"}, "page must be true or false"),
        ("1", {"type": "boolean"}, "page must be true or false"),
    ],
)
def test_parameter_text_of_another_type_names_the_parameter(text, schema, message):
    with pytest.raises(ValidationFailed) as caught:
        coerce(text, schema, "page")
    assert (caught.value.field, str(caught.value)) == ("page", message)
