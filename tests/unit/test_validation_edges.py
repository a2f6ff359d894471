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


@pytest.mark.parametrize(
    ("pattern", "ecma"),
    [
        ("^[A-Z0-9-]+$", r"^[A-Z0-9-]+\Z"),
        (r"^a\$$", r"^a\$\Z"),
        ("^[$]+$", r"^[$]+\Z"),
        (r"^[\]$]$", r"^[\]$]\Z"),
        (r"^a\\$", r"^a\\\Z"),
        ("^(a|b$)", r"^(a|b\Z)"),
        ("no anchor", "no anchor"),
    ],
)
def test_a_dollar_ends_the_string_only_where_it_is_an_anchor(pattern, ecma):
    from shop.validation import ecma_pattern

    assert ecma_pattern(pattern) == ecma


@pytest.mark.parametrize(
    ("value", "ok"),
    [("DUP-1", True), ("DUP-1\n", False), ("DUP$", False), ("$$", True), ("a$", False)],
)
def test_patterns_match_the_whole_value_as_json_schema_reads_them(value, ok):
    schema = {"type": "string", "pattern": "^([A-Z0-9-]+|[$]+)$"}
    if ok:
        validate(DOCUMENT, schema, value, "sku")
    else:
        with pytest.raises(ValidationFailed, match="^sku has an invalid format$"):
            validate(DOCUMENT, schema, value, "sku")


def test_a_lone_surrogate_is_refused_in_any_string_with_its_field():
    for text in ("\ud800a@example.com", "a\udfff", "\udc00"):
        with pytest.raises(ValidationFailed) as caught:
            validate(DOCUMENT, {"type": "string"}, text, "body.name")
        assert (caught.value.field, str(caught.value)) == (
            "body.name",
            "body.name is not valid Unicode text (a lone surrogate)",
        )
    validate(DOCUMENT, {"type": "string"}, "\U0001f600 \ud7ff \ue000", "body.name")


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("ada@example.com", True),
        ("a.b+c@mail.example.co", True),
        ("ada@example.com\n", False),
        ("ada@exa mple.com", False),
        ("ada\x00@example.com", False),
        ("ada\x85@example.com", False),
        ("ada@example", False),
        ("ada@example.c", False),
        ('"ada"@example.com', False),
        ("ada@@example.com", False),
    ],
)
def test_an_email_format_is_checked_on_the_whole_value(address, ok):
    schema = {"type": "string", "format": "email"}
    if ok:
        validate(DOCUMENT, schema, address, "body.customer_email")
    else:
        with pytest.raises(ValidationFailed) as caught:
            validate(DOCUMENT, schema, address, "body.customer_email")
        assert str(caught.value) == "body.customer_email is not a valid e-mail address"


def test_an_unknown_format_is_not_checked():
    validate(DOCUMENT, {"type": "string", "format": "uuid"}, "not a uuid", "id")


def test_an_object_without_declared_properties_or_requirements_takes_any_keys():
    validate(DOCUMENT, {"type": "object"}, {"a": 1}, "x")
    validate(DOCUMENT, {"type": "object", "additionalProperties": True}, {"a": 1}, "x")
    with pytest.raises(ValidationFailed, match="^x.a is not allowed$"):
        validate(DOCUMENT, {"type": "object", "additionalProperties": False}, {"a": 1}, "x")
    validate(DOCUMENT, {"type": "object", "additionalProperties": False}, {}, "x")


def test_integer_text_must_be_the_whole_parameter():
    for text in ("12\n", " 12", "12a", "1 2"):
        with pytest.raises(ValidationFailed, match="^page must be an integer$"):
            coerce(text, {"type": "integer"}, "page")
