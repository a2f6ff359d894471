"""The contract and the code agree, in both directions."""

import copy
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate as validate_spec

from shop import contract
from shop.router import Router
from shop.routes import HANDLERS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())


def test_contract_is_valid_openapi_3(document):
    validate_spec(document)
    assert document["openapi"].startswith("3.0")


def test_every_served_operation_has_a_handler_and_every_handler_an_operation(document):
    served = {op.operation_id for op in contract.operations(document)}
    assert served == set(HANDLERS)


def test_router_refuses_an_operation_without_a_handler(document):
    broken = copy.deepcopy(document)
    broken["paths"]["/v1/coupons"] = {
        "get": {
            "operationId": "listCoupons",
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {"type": "aws_proxy"},
        }
    }
    with pytest.raises(contract.ContractError, match=r"without a handler: \['listCoupons'\]"):
        Router(broken, HANDLERS)


def test_router_refuses_a_handler_without_an_operation(document):
    with pytest.raises(contract.ContractError, match=r"without an operation: \['refund'\]"):
        Router(document, {**HANDLERS, "refund": lambda req, ctx: None})


def test_preflights_are_answered_by_the_gateway_not_the_function(document):
    for resource, item in document["paths"].items():
        assert "options" in item, f"{resource} has no CORS preflight"
        assert item["options"]["x-amazon-apigateway-integration"]["type"] == "mock"
    served = {(op.method, op.resource) for op in contract.operations(document)}
    assert not any(method == "OPTIONS" for method, _ in served)


def test_cached_gets_key_on_every_parameter_that_changes_the_answer(document):
    # The ?p1=1&p2=2 vs ?p1=29&p2=28 pitfall: a declared query or path
    # parameter missing from the cache key makes different requests share one
    # cached answer. Origin is in the key because responses echo it.
    for op in contract.operations(document):
        spec = document["paths"][op.resource][op.method.lower()]
        if op.method != "GET":
            continue
        assert "x-shop-cache" in spec, f"{op.operation_id} must say whether it is cached"
        if not spec["x-shop-cache"]:
            continue
        keys = set(spec["x-amazon-apigateway-integration"].get("cacheKeyParameters", []))
        for param in op.parameters:
            if param.location in ("query", "path") or param.name == "Origin":
                kind = {"query": "querystring"}.get(param.location, param.location)
                missing = f"method.request.{kind}.{param.name}" not in keys
                assert not missing, f"{op.operation_id}: {param.name} is not in the cache key"


def test_list_products_declares_every_filter(document):
    op = next(o for o in contract.operations(document) if o.operation_id == "listProducts")
    names = {p.name for p in op.parameters if p.location == "query"}
    assert names == {"category", "min_price", "max_price", "q", "sort", "page", "page_size"}


def test_admin_writes_need_an_api_key_and_nothing_else_does(document):
    admin = {"createProduct", "updateProduct", "deleteProduct"}
    for item in document["paths"].values():
        for method, spec in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                secured = bool(spec.get("security", document.get("security")))
                assert secured == (spec["operationId"] in admin), spec["operationId"]
    scheme = document["components"]["securitySchemes"]["api_key"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-api-key")


def test_every_integration_invokes_the_stage_alias(document):
    for op in contract.operations(document):
        integration = document["paths"][op.resource][op.method.lower()][
            "x-amazon-apigateway-integration"
        ]
        assert integration["uri"].endswith(
            "{{api_function_arn}}:${stageVariables.alias}/invocations"
        ), op.operation_id


def test_path_templates_match_concrete_paths(document):
    ops = {o.operation_id: o for o in contract.operations(document)}
    assert ops["getProduct"].pattern.match("/v1/products/42").groupdict() == {"id": "42"}
    assert ops["getProduct"].pattern.match("/v1/products/42/extra") is None
    assert ops["listProducts"].pattern.match("/v1/products") is not None


def test_every_operation_declares_the_throttles_429_as_every_stage_throttles(document):
    # GIVEN every stage's tfvars set a stage throttle (API Gateway answers 429 when it is
    # exhausted, before any integration: mock preflights included)
    for stage in ("dev", "qa", "prod"):
        tfvars = (ROOT / "envs" / f"{stage}.tfvars").read_text()
        assert "throttle" in tfvars and "rate_limit" in tfvars, stage
    # THEN every operation of the contract declares that 429
    methods = ("get", "put", "post", "delete", "options", "patch")
    undeclared = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in methods and "429" not in operation["responses"]
    ]
    assert undeclared == []
