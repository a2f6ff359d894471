from decimal import Decimal

import pytest

from shop.errors import ValidationFailed
from shop.validation import coerce, parameter_check, validate

DOC = {
    "components": {
        "schemas": {
            "Money": {"type": "string", "pattern": "^[0-9]{1,8}(\\.[0-9]{1,2})?$"},
            "Line": {
                "type": "object",
                "additionalProperties": False,
                "required": ["product_id", "quantity"],
                "properties": {
                    "product_id": {"type": "integer", "minimum": 1},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            },
        }
    }
}
ORDER = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "price": {"$ref": "#/components/schemas/Money"},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {"$ref": "#/components/schemas/Line"},
        },
    },
}


def failure(value, schema=ORDER):
    with pytest.raises(ValidationFailed) as info:
        validate(DOC, schema, value, "")
    return info.value.field, info.value.message


def test_valid_order_passes():
    validate(DOC, ORDER, {"items": [{"product_id": 1, "quantity": 2}], "price": "1.50"}, "")


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ({}, "items", "items is required"),
        ({"items": []}, "items", "items must have at least 1 item(s)"),
        ({"items": [{"product_id": 1, "quantity": 1}] * 3}, "items", "at most 2 items"),
        ({"items": [{"product_id": 1}]}, "items[0].quantity", "items[0].quantity is required"),
        ({"items": [{"product_id": 1, "quantity": 0}]}, "items[0].quantity", "at least 1"),
        ({"items": [{"product_id": 1, "quantity": 101}]}, "items[0].quantity", "at most 100"),
        ({"items": [{"product_id": True, "quantity": 1}]}, "items[0].product_id", "integer"),
        (
            {"items": [{"product_id": 1, "quantity": Decimal("1.5")}]},
            "items[0].quantity",
            "integer",
        ),
        ({"items": [{"product_id": 1, "quantity": 1, "x": 1}]}, "items[0].x", "not allowed"),
        ({"items": [{"product_id": 1, "quantity": 1}], "price": "1.999"}, "price", "format"),
        ({"items": [{"product_id": 1, "quantity": 1}], "price": 1.5}, "price", "type string"),
    ],
)
def test_each_failure_names_the_field(value, field, message):
    got_field, got_message = failure(value)
    assert got_field == field
    assert message in got_message


def test_query_text_is_coerced_to_its_declared_type():
    assert coerce("42", {"type": "integer"}, "page") == 42
    assert coerce("kitchen", {"type": "string"}, "category") == "kitchen"
    for bad in ("4.2", "1e3", "", "1; DROP TABLE products", "9" * 20):
        with pytest.raises(ValidationFailed, match="page must be an integer"):
            coerce(bad, {"type": "integer"}, "page")


def test_enum_lists_the_choices():
    with pytest.raises(ValidationFailed, match="sort must be one of: price, -price"):
        validate(DOC, {"type": "string", "enum": ["price", "-price"]}, "random()", "sort")


PARAMETER_SCHEMAS = [
    {"type": "integer", "minimum": 1, "maximum": 2147483647},
    {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    {"type": "integer"},
    {"type": "string", "maxLength": 256},
    {"type": "string", "minLength": 1, "maxLength": 64},
    {"type": "string", "pattern": "^[A-Z0-9-]+$"},
    {"type": "string", "format": "email"},
    {"type": "string", "enum": ["price", "-price"]},
    {"$ref": "#/components/schemas/Money"},
    {"type": "boolean"},
    {"minimum": 3},
]
PARAMETER_TEXTS = [
    "1",
    "0",
    "-3",
    "+7",
    "2147483648",
    "101",
    "007",
    "x",
    "",
    " 1",
    "1\n",
    "ABC-1",
    "abc",
    "DUP-1\n",
    "a@b.example.com",
    "no at",
    "price",
    "true",
    "12.50",
    "1e3",
    "\ud800",
    "9" * 13,
    "y" * 300,
]


def _outcome(check, text):
    try:
        return ("value", check(text))
    except ValidationFailed as exc:
        return ("error", exc.message, exc.field)


@pytest.mark.parametrize("schema", PARAMETER_SCHEMAS)
def test_a_parameter_check_built_once_answers_as_coerce_and_validate_do(schema):
    # GIVEN a document with a $ref target, and the two calls the check stands for
    document = {"components": {"schemas": {"Money": {"type": "string", "pattern": "^[0-9]+$"}}}}

    def both(text):
        value = coerce(text, schema, "p")
        validate(document, schema, value, "p")
        return value

    check = parameter_check(document, schema, "p")
    # THEN every text gets the same value, or the same message on the same field
    for text in PARAMETER_TEXTS:
        assert _outcome(check, text) == _outcome(both, text), (schema, text)
