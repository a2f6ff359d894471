"""Request validation as API Gateway's validators do it, before the function runs.

`validateRequestParameters` only checks that required query strings and
headers are present (not their schemas: that is the function's job).
`validateRequestBody` checks a JSON body against the operation's model as
JSON Schema draft 4: no `format` checks, `$ref`s inlined. A body whose
media type has no model (not application/json) passes through unchecked;
a missing Content-Type counts as application/json, as in API Gateway.
Patterns are read as JSON Schema reads them (ECMA-262): `$` ends the string,
so "DUP-1\n" does not match "^[A-Z0-9-]+$" (Python's `$` would let it by).
"""

import json
import re
from functools import lru_cache

from jsonschema import Draft4Validator, ValidationError, validators

from local.contract import Route


def missing_parameters(
    route: Route, *, query: dict[str, list[str]], headers: dict[str, str]
) -> list[str]:
    """Return the required query-string and header parameters the request lacks."""
    if not route.validate_params:
        return []
    present = {"query": set(query), "header": set(headers), "path": None}
    return [
        p.name
        for p in route.params
        if p.required
        and present.get(p.location) is not None
        and (p.name.lower() if p.location == "header" else p.name) not in present[p.location]
    ]


def body_is_valid(route: Route, *, body: bytes, content_type: str | None) -> bool:
    """Return False when the body breaks the route's model."""
    if not route.validate_body or route.body_schema is None:
        return True
    media_type = (content_type or "application/json").split(";")[0].strip().lower()
    if media_type != "application/json":
        return True
    try:
        document = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return _Validator(route.body_schema).is_valid(document)


def ecma_pattern(pattern: str) -> str:
    """Return `pattern` with each unescaped `$` outside a character class as `\\Z`."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "[]":
            in_class = char == "["
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


@lru_cache(maxsize=128)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(ecma_pattern(pattern))


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft4Validator, {"pattern": _pattern})
