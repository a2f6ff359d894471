"""Validates parameters and bodies against the contract's schemas.

A deliberately small subset of JSON Schema (the one the contract uses):
type, enum, pattern, min/maxLength, minimum/maximum, required, properties,
additionalProperties: false, items, min/maxItems, format: email and local
$ref. Each failure names the field, e.g. `items[0].quantity`. Query, path
and header values arrive as strings and are coerced to the declared type
first.

Patterns follow JSON Schema's (ECMA-262) reading, not Python's: `$` ends the
string, so "DUP-1\n" does not match `^[A-Z0-9-]+$`. Every string must be
Unicode text a database and a JSON encoder can store: a lone surrogate
(JSON's "\ud800") is refused here, as a 400, instead of failing later as a 500.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from shop.contract import resolve
from shop.errors import ValidationFailed

_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, Decimal, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_INT_TEXT = re.compile(r"[+-]?[0-9]{1,12}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# An address with no whitespace, control character, quote or bracket; a dotted
# domain ending in letters. Matched against the whole string.
_EMAIL = re.compile(
    r"[^@\s\x00-\x1f\x7f-\x9f\"'<>,;()\[\]\\]+"
    r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}"
)
_FORMATS = {"email": (_EMAIL, "e-mail address")}


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(ecma_pattern(pattern))


def ecma_pattern(pattern: str) -> str:
    """Return `pattern` with each unescaped `$` outside a character class as `\\Z`.

    ECMA-262's `$` (no multiline flag) matches only at the end of the input;
    Python's also matches before a final newline.
    """
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


def coerce(value: str, schema: dict, name: str):
    """Turn a parameter's text into its declared type; raise ValidationFailed if it is not one."""
    kind = schema.get("type", "string")
    if kind == "integer":
        if not _INT_TEXT.fullmatch(value):
            raise ValidationFailed(f"{name} must be an integer", field=name)
        return int(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValidationFailed(f"{name} must be true or false", field=name)
        return value == "true"
    return value


# Keys `validate` reads for a scalar, or ignores; a parameter schema with any
# other (enum, $ref...) is checked by `coerce` and `validate` as they are.
_SCALAR_KEYS = frozenset(
    {"type", "minimum", "maximum", "minLength", "maxLength", "pattern", "format"}
    | {"default", "description", "example"}
)


def parameter_check(document: dict, schema: dict, name: str) -> Callable[[str], object]:
    """Return check(text) -> value for a parameter: `coerce`, then `validate`.

    Built once per parameter when the router is built, so a request does not
    walk the schema again: a plain integer or string schema gets its own
    short check (the same tests in the same order, the same messages);
    any other gets exactly the two calls. `check` raises ValidationFailed.
    """
    resolved = resolve(document, schema)
    kind = schema.get("type", "string")
    if resolved is schema and kind == schema.get("type") and _SCALAR_KEYS.issuperset(schema):
        # The schema's values are read here; the tests and messages are those
        # of _check_number and _check_string.
        if kind == "integer":
            has_low, low = "minimum" in schema, schema.get("minimum")
            has_high, high = "maximum" in schema, schema.get("maximum")

            def check_integer(text: str) -> int:
                if not _INT_TEXT.fullmatch(text):
                    raise ValidationFailed(f"{name} must be an integer", field=name)
                value = int(text)
                if has_low and value < low:
                    raise ValidationFailed(f"{name} must be at least {low}", field=name)
                if has_high and value > high:
                    raise ValidationFailed(f"{name} must be at most {high}", field=name)
                return value

            return check_integer
        if kind == "string" and ("pattern" in schema or schema.get("format") in _FORMATS):

            def check_patterned(text: str) -> str:
                _check_string(schema, text, name)
                return text

            return check_patterned
        if kind == "string":
            shortest = schema.get("minLength", 0)
            has_longest, longest = "maxLength" in schema, schema.get("maxLength")

            def check_string(text: str) -> str:
                if _SURROGATE.search(text):
                    raise ValidationFailed(
                        f"{name} is not valid Unicode text (a lone surrogate)", field=name
                    )
                if len(text) < shortest:
                    raise ValidationFailed(
                        f"{name} must be at least {shortest} characters", field=name
                    )
                if has_longest and len(text) > longest:
                    raise ValidationFailed(
                        f"{name} must be at most {longest} characters", field=name
                    )
                return text

            return check_string

    def check(text: str):
        value = coerce(text, schema, name)
        validate(document, resolved, value, name)
        return value

    return check


def validate(document: dict, schema: dict, value, name: str) -> None:
    """Raise ValidationFailed naming the first field of `value` that breaks `schema`."""
    schema = resolve(document, schema)
    kind = schema.get("type")
    if kind:
        allowed = _TYPES[kind]
        if isinstance(value, bool) and kind != "boolean" or not isinstance(value, allowed):
            raise ValidationFailed(f"{name} must be of type {kind}", field=name)
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(c) for c in schema["enum"])
        raise ValidationFailed(f"{name} must be one of: {choices}", field=name)
    if isinstance(value, str):
        _check_string(schema, value, name)
    elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        _check_number(schema, value, name)
    elif isinstance(value, dict):
        _check_object(document, schema, value, name)
    elif isinstance(value, list):
        _check_array(document, schema, value, name)


def _check_string(schema: dict, value: str, name: str) -> None:
    if _SURROGATE.search(value):
        raise ValidationFailed(f"{name} is not valid Unicode text (a lone surrogate)", field=name)
    if len(value) < schema.get("minLength", 0):
        raise ValidationFailed(
            f"{name} must be at least {schema['minLength']} characters", field=name
        )
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        raise ValidationFailed(
            f"{name} must be at most {schema['maxLength']} characters", field=name
        )
    if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
        raise ValidationFailed(f"{name} has an invalid format", field=name)
    if schema.get("format") in _FORMATS:
        checker, what = _FORMATS[schema["format"]]
        if not checker.fullmatch(value):
            raise ValidationFailed(f"{name} is not a valid {what}", field=name)


def _check_number(schema: dict, value, name: str) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        raise ValidationFailed(f"{name} must be at least {schema['minimum']}", field=name)
    if "maximum" in schema and value > schema["maximum"]:
        raise ValidationFailed(f"{name} must be at most {schema['maximum']}", field=name)


def _check_object(document: dict, schema: dict, value: dict, name: str) -> None:
    prefix = f"{name}." if name else ""
    for key in schema.get("required", []):
        if key not in value:
            raise ValidationFailed(f"{prefix}{key} is required", field=f"{prefix}{key}")
    properties = schema.get("properties", {})
    for key, item in value.items():
        if key in properties:
            validate(document, properties[key], item, f"{prefix}{key}")
        elif schema.get("additionalProperties") is False:
            raise ValidationFailed(f"{prefix}{key} is not allowed", field=f"{prefix}{key}")


def _check_array(document: dict, schema: dict, value: list, name: str) -> None:
    if len(value) < schema.get("minItems", 0):
        raise ValidationFailed(
            f"{name} must have at least {schema['minItems']} item(s)", field=name
        )
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        raise ValidationFailed(f"{name} must have at most {schema['maxItems']} items", field=name)
    if "items" in schema:
        for index, item in enumerate(value):
            validate(document, schema["items"], item, f"{name}[{index}]")
