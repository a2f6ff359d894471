"""The REST API body imports into API Gateway with no warning, rule by rule.

API Gateway's OpenAPI import supports most of OpenAPI 3.0 with the
exceptions AWS lists in "Amazon API Gateway important notes for REST APIs"
(NOTES below). What it ignores is silently not enforced, and what it warns
about rolls an import with failonwarnings back. moto imports anything, so
these rules are encoded here, one test per documented rule, each run on the
body Terraform actually renders (the pinned plans of test_plan_api, where
the body is known) and each shown to find a body that breaks it.

The source contract keeps full OpenAPI (the handler, the local gateway and
the docs read it); terraform/modules/api/body.tf renders what the import
takes.
"""

import copy
import json
import re
from collections.abc import Callable, Iterator

import pytest

from .test_plan_api import BODY_PLANS

NOTES = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-known-issues.html#api-gateway-known-issues-rest-apis"
)
INTEGRATION_RESPONSE = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
    "api-gateway-swagger-extensions-integration-response.html"
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# JSON Schema draft 4 (https://json-schema.org/draft-04/schema), plus $ref.
DRAFT_4_KEYWORDS = {
    "$ref", "$schema", "id", "title", "description", "default", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "additionalItems", "items", "maxItems", "minItems", "uniqueItems", "maxProperties",
    "minProperties", "required", "additionalProperties", "definitions", "properties",
    "patternProperties", "dependencies", "enum", "type", "allOf", "anyOf", "oneOf", "not",
    "format",
}  # fmt: skip
# Keys whose values are maps of names, not schemas (a property may be called "example").
NAME_MAPS = {"properties", "patternProperties", "definitions", "dependencies"}


@pytest.fixture(scope="module", params=sorted(BODY_PLANS))
def body(request, plans) -> dict:
    plan = plans[BODY_PLANS[request.param]]
    return json.loads(plan.after("module.api.aws_api_gateway_rest_api.this")["body"])


def _operations(body: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in body["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def _schemas(node, where: str) -> Iterator[tuple[str, dict]]:
    """Every schema object under `node` (a schema), with where it is."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key, value in node.items():
        if key in NAME_MAPS and isinstance(value, dict):
            for name, inner in value.items():
                yield from _schemas(inner, f"{where}.{key}.{name}")
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            yield from _schemas(value, f"{where}.{key}")
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            for i, inner in enumerate(value):
                yield from _schemas(inner, f"{where}.{key}[{i}]")


def _all_schemas(body: dict) -> Iterator[tuple[str, dict]]:
    """Models, and the schemas of parameters, request bodies and responses."""
    for name, model in (body.get("components") or {}).get("schemas", {}).items():
        yield from _schemas(model, f"components.schemas.{name}")
    for path, method, op in _operations(body):
        where = f"{method.upper()} {path}"
        for p in op.get("parameters") or []:
            yield from _schemas(p.get("schema"), f"{where} parameter {p.get('name')}")
        for kind, content in [("request", (op.get("requestBody") or {}).get("content"))] + [
            (f"response {code}", (r or {}).get("content"))
            for code, r in (op.get("responses") or {}).items()
        ]:
            for media, entry in (content or {}).items():
                yield from _schemas((entry or {}).get("schema"), f"{where} {kind} {media}")


def _keyword_anywhere(keyword: str) -> Callable[[dict], list[str]]:
    return lambda body: [w for w, s in _all_schemas(body) if keyword in s]


# Each rule: (what AWS's notes say, a finder returning what breaks it).
def _response_refs(body):
    return [
        f"{m.upper()} {p} response {code}"
        for p, m, op in _operations(body)
        for code, r in (op.get("responses") or {}).items()
        if "$ref" in (r or {})
    ]


def _bad_path_segments(body):
    segment = re.compile(r"^([A-Za-z0-9_.,:-]+|\{[A-Za-z0-9_]+\+?\})$")
    return [
        f"{path} ({part!r})"
        for path in body["paths"]
        for part in path.strip("/").split("/")
        if path != "/" and not segment.match(part)
    ]


def _bad_model_names(body):
    names = (body.get("components") or {}).get("schemas", {})
    return [name for name in names if not re.fullmatch(r"[A-Za-z0-9]+", name)]


def _parameter_extras(body):
    found = []
    for path, method, op in _operations(body):
        for p in op.get("parameters") or []:
            extra = set(p) - {"name", "in", "required", "description", "schema"}
            extra |= {f"schema.{k}" for k in set(p.get("schema") or {}) - {"type"}}
            if "$ref" in p or extra:
                found.append(f"{method.upper()} {path} {p.get('name', p)}: {sorted(extra)}")
    return found


def _non_api_key_schemes(body):
    schemes = (body.get("components") or {}).get("securitySchemes", {})
    return [name for name, s in schemes.items() if s.get("type") != "apiKey"]


def _deprecated(body):
    found = [f"{m.upper()} {p}" for p, m, op in _operations(body) if "deprecated" in op]
    found += [
        f"{m.upper()} {p} parameter {q.get('name')}"
        for p, m, op in _operations(body)
        for q in op.get("parameters") or []
        if "deprecated" in q
    ]
    return found + _keyword_anywhere("deprecated")(body)


def _beyond_draft_4(body):
    models = (body.get("components") or {}).get("schemas", {})
    return [
        f"{where}: {sorted(set(schema) - DRAFT_4_KEYWORDS)}"
        for name, model in models.items()
        for where, schema in _schemas(model, f"components.schemas.{name}")
        if set(schema) - DRAFT_4_KEYWORDS
    ]


def _additional_properties_or_any_of(body):
    models = (body.get("components") or {}).get("schemas", {})
    return [
        where
        for name, model in models.items()
        for where, schema in _schemas(model, f"components.schemas.{name}")
        if "additionalProperties" in schema or "anyOf" in schema
    ]


def _integer_formats_on_numbers(body):
    return [
        w
        for w, s in _all_schemas(body)
        if s.get("type") == "number" and s.get("format") in ("int32", "int64")
    ]


def _decimal_formats(body):
    return [w for w, s in _all_schemas(body) if s.get("format") == "decimal"]


def _primitive_response_schemas(body):
    models = (body.get("components") or {}).get("schemas", {})
    found = []
    for path, method, op in _operations(body):
        for code, response in (op.get("responses") or {}).items():
            for media, entry in ((response or {}).get("content") or {}).items():
                schema = (entry or {}).get("schema") or {}
                if "$ref" in schema:
                    schema = models.get(schema["$ref"].rsplit("/", 1)[-1], {})
                if schema.get("type") != "object":
                    found.append(f"{method.upper()} {path} {code} {media}")
    return found


RULES = {
    "response-ref": (
        'Response definitions of the "500": {"$ref": ...} form are not supported; '
        "replace the reference by the inline definition.",
        _response_refs,
    ),
    "path-segments": (
        "Path segments can only contain alphanumeric characters, underscores, hyphens, "
        "periods, commas, colons and curly braces; path parameters are whole segments.",
        _bad_path_segments,
    ),
    "model-names": ("Model names can only contain alphanumeric characters.", _bad_model_names),
    "parameter-attributes": (
        "For input parameters only name, in, required, type and description are supported; "
        "other attributes are ignored.",
        _parameter_extras,
    ),
    "security-schemes": (
        "The securitySchemes type, if used, must be apiKey.",
        _non_api_key_schemes,
    ),
    "deprecated": ("The deprecated field is not supported.", _deprecated),
    "json-schema-draft-4": (
        "Models are defined using JSON schema draft 4.",
        _beyond_draft_4,
    ),
    "additional-properties-any-of": (
        "The additionalProperties and anyOf keywords are not supported in models.",
        _additional_properties_or_any_of,
    ),
    "discriminator": (
        "The discriminator keyword is not supported in any schema object.",
        _keyword_anywhere("discriminator"),
    ),
    "example": ("The example keyword is not supported.", _keyword_anywhere("example")),
    "exclusive-minimum": (
        "exclusiveMinimum is not supported.",
        _keyword_anywhere("exclusiveMinimum"),
    ),
    "one-of": ("oneOf is not supported.", _keyword_anywhere("oneOf")),
    "read-only": ("The readOnly field is not supported.", _keyword_anywhere("readOnly")),
    "int32-int64": (
        "Numbers of the Int32 or Int64 type are not supported.",
        _integer_formats_on_numbers,
    ),
    "decimal-format": (
        'The decimal number format ("format": "decimal") is not supported.',
        _decimal_formats,
    ),
    "object-response-schemas": (
        "In method responses, the schema must be of an object type, not a primitive.",
        _primitive_response_schemas,
    ),
}


def _break(rule: str, body: dict) -> None:
    """Reintroduce what `rule` forbids into `body`, as a contract edit could."""
    models = body["components"]["schemas"]
    op = body["paths"]["/v1/products/{id}"]["get"]
    edits = {
        "response-ref": lambda: op["responses"].update({"503": {"$ref": "#/x/Unavailable"}}),
        "path-segments": lambda: body["paths"].update({"/v1/products{id}": {}}),
        "model-names": lambda: models.update({"Product_Page": {"type": "object"}}),
        "parameter-attributes": lambda: op["parameters"][0]["schema"].update({"minimum": 1}),
        "security-schemes": lambda: body["components"]["securitySchemes"].update(
            {"basic": {"type": "http", "scheme": "basic"}}
        ),
        "deprecated": lambda: op.update({"deprecated": True}),
        "json-schema-draft-4": lambda: models["Product"]["properties"]["name"].update(
            {"nullable": True}
        ),
        "additional-properties-any-of": lambda: models["OrderLineInput"].update(
            {"additionalProperties": False}
        ),
        "discriminator": lambda: models["Product"].update({"discriminator": {"propertyName": "x"}}),
        "example": lambda: models["Money"].update({"example": "12.50"}),
        "exclusive-minimum": lambda: models["Money"].update({"exclusiveMinimum": True}),
        "one-of": lambda: models["Product"].update({"oneOf": [{"type": "object"}]}),
        "read-only": lambda: models["Product"]["properties"]["id"].update({"readOnly": True}),
        "int32-int64": lambda: models["Product"]["properties"]["stock"].update(
            {"type": "number", "format": "int32"}
        ),
        "decimal-format": lambda: models["Money"].update({"format": "decimal"}),
        "object-response-schemas": lambda: op["responses"]["200"]["content"][
            "application/json"
        ].update({"schema": {"type": "string"}}),
    }
    edits[rule]()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rendered_body_follows_the_import_rule(body, rule):
    # Each rule is one of AWS's notes on OpenAPI import:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis
    text, find = RULES[rule]
    assert find(body) == [], f"{text} ({NOTES})"
    broken = copy.deepcopy(body)
    _break(rule, broken)
    assert find(broken), f"the check for {rule!r} finds nothing in a body that breaks it"


def test_mock_integration_maps_only_headers_its_method_response_declares(body):
    """The preflight mock maps Access-Control-* values to method.response.header.*
    (INTEGRATION_RESPONSE): each must be a header the method response of that
    status declares, inline. A $ref'd response declares nothing to the import,
    and the mapping is refused ("No method response exists")."""
    checked = 0
    for path, method, op in _operations(body):
        integration = op.get("x-amazon-apigateway-integration") or {}
        for response in (integration.get("responses") or {}).values():
            declared = (op["responses"].get(response["statusCode"]) or {}).get("headers") or {}
            for target in response.get("responseParameters") or {}:
                header = target.removeprefix("method.response.header.")
                assert header in declared, (
                    f"{method.upper()} {path}: {target} but response {response['statusCode']} "
                    f"declares {sorted(declared)} ({INTEGRATION_RESPONSE})"
                )
                checked += 1
    assert checked >= 20, "every preflight maps its Access-Control-* headers"


def test_only_what_the_import_reads_leaves_the_contract(body, contract):
    """Inlining keeps every operation, response code and parameter of the contract."""
    for path, item in contract["paths"].items():
        for method, op in item.items():
            rendered = body["paths"][path][method]
            assert set(rendered["responses"]) == set(op["responses"])
            names = [
                p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in op.get("parameters", [])
            ]
            assert len(rendered.get("parameters", [])) == len(names)
            assert rendered.get("security") == op.get("security")
            assert rendered["x-amazon-apigateway-integration"]["type"] in ("aws_proxy", "mock")


def test_limits_the_gateway_does_not_enforce_are_enforced_by_the_handler(contract):
    """maxItems and minItems are not part of API Gateway's simple request
    validation, and the body's models drop additionalProperties (NOTES): the
    handler's validator against the full contract refuses both."""
    from shop.errors import ValidationFailed
    from shop.validation import validate

    schema = contract["components"]["schemas"]["OrderInput"]
    line = {"product_id": 1, "quantity": 1}
    with pytest.raises(ValidationFailed):
        validate(contract, schema, {"customer_email": "a@b.example", "items": [line] * 51}, "body")
    with pytest.raises(ValidationFailed):
        validate(contract, schema, {"customer_email": "a@b.example", "items": []}, "body")
    with pytest.raises(ValidationFailed):
        validate(
            contract, schema, {"customer_email": "a@b.example", "items": [{**line, "x": 1}]}, "body"
        )
    validate(contract, schema, {"customer_email": "a@b.example", "items": [line] * 50}, "body")
