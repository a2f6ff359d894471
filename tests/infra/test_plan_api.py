"""API Gateway as planned from the contract, per stage."""

import json
import re

import pytest

from review.checks.account import ACCOUNT_WIDE

from .conftest import PINNED_FUNCTION_ARN, PINNED_SITE_ORIGIN, Scenario

# dev (http origins, two of them) and prod (https) cover what differs per stage.
BODY_PLANS = {stage: Scenario(stage, pin_api_function=True) for stage in ("dev", "prod")}


def _add_categories_route(contract):
    proxy = contract["paths"]["/v1/health"]["get"]["x-amazon-apigateway-integration"]
    contract["paths"]["/v1/categories/{name}"] = {
        "get": {
            "operationId": "listCategory",
            "x-shop-cache": True,
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer"}},
                {"$ref": "#/components/parameters/Origin"},
            ],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                **proxy,
                "cacheKeyParameters": [
                    "method.request.path.name",
                    "method.request.querystring.page",
                    "method.request.header.Origin",
                ],
            },
        }
    }


NEW_ROUTE = Scenario("qa", contract=_add_categories_route)


def proxy_operations(contract):
    for path, item in contract["paths"].items():
        for method, op in item.items():
            if (
                isinstance(op, dict)
                and op.get("x-amazon-apigateway-integration", {}).get("type") == "aws_proxy"
            ):
                yield path, method.upper(), op


def method_path(path: str, method: str) -> str:
    """The key UpdateStage and GetStage use for one method's settings.

    Patch paths are JSON Pointers, so every "/" of the resource path is
    written "~1": https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
    (CloudFormation's MethodSetting documents the same encoding:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html).
    Unescaped, the provider's read-back finds no such key ("empty result"):
    https://github.com/hashicorp/terraform-provider-aws/issues/9738 and /37959.
    """
    return f"{path.replace('/', '~1')}/{method}"


def resolved_parameters(contract, op):
    for p in op.get("parameters", []):
        if "$ref" in p:
            p = contract["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        yield p


def test_rest_api_is_regional_and_overwritten_from_the_contract(plan):
    api = plan.after("module.api.aws_api_gateway_rest_api.this")
    assert api["endpoint_configuration"][0]["types"] == ["REGIONAL"]
    config = plan.module_resource_config("api", "aws_api_gateway_rest_api.this")
    # Routes removed from the contract must disappear on the next import; the
    # provider only reports the mode on updates, so read the configuration.
    assert config["expressions"]["put_rest_api_mode"]["constant_value"] == "overwrite"
    assert "local.body" in config["expressions"]["body"]["references"]


def test_stage_variable_names_the_alias(plan, stage):
    (api_stage,) = plan.of_type("aws_api_gateway_stage").values()
    assert api_stage["stage_name"] == stage
    assert api_stage["variables"] == {"alias": stage}


def test_cache_cluster_per_stage(plan, tfvars, stage):
    (api_stage,) = plan.of_type("aws_api_gateway_stage").values()
    cache = tfvars["api"]["cache"]
    assert api_stage["cache_cluster_enabled"] is (stage != "dev")
    if cache["enabled"]:
        assert api_stage["cache_cluster_size"] == cache["size_gb"]


def test_cached_gets_carry_every_varying_parameter_in_the_key(plan, tfvars, stage, contract):
    settings = {
        a: s
        for a, s in plan.of_type("aws_api_gateway_method_settings").items()
        if a != 'module.api.aws_api_gateway_method_settings.this["*/*"]'
    }
    cached = [(p, m, op) for p, m, op in proxy_operations(contract) if op.get("x-shop-cache")]
    assert cached, "the contract caches at least one GET"
    if stage == "dev":
        assert settings == {}
        return
    # AWS reads each "/" of the resource path as "~1" (see method_path()).
    assert sorted(s["method_path"] for s in settings.values()) == sorted(
        method_path(p, m) for p, m, _ in cached
    )
    assert "~1v1~1products~1{id}/GET" in {s["method_path"] for s in settings.values()}
    for setting in settings.values():
        (values,) = setting["settings"]
        assert values["caching_enabled"] is True
        assert values["cache_ttl_in_seconds"] == tfvars["api"]["cache"]["ttl_seconds"]
        assert values["cache_data_encrypted"] is True
    for path, method, op in cached:
        assert method == "GET"
        keys = set(op["x-amazon-apigateway-integration"]["cacheKeyParameters"])
        for p in resolved_parameters(contract, op):
            if p["in"] in ("query", "path"):
                where = "querystring" if p["in"] == "query" else "path"
                assert f"method.request.{where}.{p['name']}" in keys, (path, p["name"])
        assert "method.request.header.Origin" in keys, path


def test_stage_throttles_logs_json_and_uses_stage_defaults(plan, tfvars):
    (api_stage,) = plan.of_type("aws_api_gateway_stage").values()
    log_format = json.loads(api_stage["access_log_settings"][0]["format"])
    assert {"requestId", "status", "httpMethod", "resourcePath", "sourceIp"} <= set(log_format)
    defaults = plan.after('module.api.aws_api_gateway_method_settings.this["*/*"]')
    assert defaults["method_path"] == "*/*"
    (values,) = defaults["settings"]
    assert values["caching_enabled"] is False
    assert values["throttling_rate_limit"] == tfvars["api"]["throttle"]["rate_limit"]
    assert values["throttling_burst_limit"] == tfvars["api"]["throttle"]["burst_limit"]
    assert values["metrics_enabled"] is True


def test_admin_key_in_a_throttled_usage_plan(plan, tfvars):
    (usage_plan,) = plan.of_type("aws_api_gateway_usage_plan").values()
    wanted = tfvars["api"]["admin_usage_plan"]
    assert usage_plan["throttle_settings"][0]["rate_limit"] == wanted["rate_limit"]
    assert usage_plan["quota_settings"][0] == {
        "limit": wanted["quota_per_day"],
        "offset": 0,
        "period": "DAY",
    }
    assert len(plan.of_type("aws_api_gateway_api_key")) == 1
    (key,) = plan.of_type("aws_api_gateway_usage_plan_key").values()
    assert key["key_type"] == "API_KEY"


def test_one_permission_per_route_scoped_to_stage_method_and_path(plan, stage, contract):
    permissions = {
        a.split('"')[1]: p
        for a, p in plan.of_type("aws_lambda_permission").items()
        if a.startswith("module.api.aws_lambda_permission.route[")
    }
    routes = {f"{m} {p}": p for p, m, _ in proxy_operations(contract)}
    assert sorted(permissions) == sorted(routes)
    paths = plan.output("api_routes")
    for key, permission in permissions.items():
        assert permission["qualifier"] == stage
        assert permission["principal"] == "apigateway.amazonaws.com"
        assert permission["function_name"] == f"shop-{stage}-api"
        method, path = key.split(" ")
        expected = f"{stage}/{method}{re.sub(r'{[^}]+}', '*', path)}"
        assert paths[key]["execute_api_path"] == expected
        assert "/*/*" not in f"/{expected}"
    config = plan.module_resource_config("api", "aws_lambda_permission.route")
    refs = config["expressions"]["source_arn"]["references"]
    assert "aws_api_gateway_rest_api.this.execution_arn" in refs


def test_no_stage_writes_an_account_wide_setting(plan):
    """API Gateway's logging role, the state bucket and CI's identity exist
    once per account (terraform/bootstrap/): a stage that set them would
    fight the other stages, or take them away on destroy. The types are the
    plan review's (review/checks/account.py)."""
    types = {r["type"] for r in plan.changes.values()}
    assert types.isdisjoint(ACCOUNT_WIDE)
    roles = [r["name"] for r in plan.of_type("aws_iam_role").values()]
    assert all(name.startswith(f"shop-{plan.variable('stage')}-") for name in roles), roles


@pytest.mark.parametrize("stage_name", sorted(BODY_PLANS))
def test_body_is_the_rendered_contract(plans, stage_name, contract):
    """On a first plan the body is unknown (it embeds the api function's ARN
    and the storefront's CloudFront domain, which exist only after apply);
    these plans give the api module both, as every later plan has them, so
    the rendered body is visible."""
    pinned = plans[BODY_PLANS[stage_name]]
    body = json.loads(pinned.after("module.api.aws_api_gateway_rest_api.this")["body"])
    # The storefront first (gateway errors name it), then the tfvars' origins.
    origins = [PINNED_SITE_ORIGIN, *pinned.variable("app_config")["cors_allowed_origins"]]
    assert "x-shop-integrations" not in body
    assert "{{" not in json.dumps(body)
    assert body["info"] == contract["info"]
    arn = PINNED_FUNCTION_ARN.format(stage=stage_name)
    for path, method, _ in proxy_operations(contract):
        integration = body["paths"][path][method.lower()]["x-amazon-apigateway-integration"]
        assert integration["uri"] == (
            "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
            f"{arn}:${{stageVariables.alias}}/invocations"
        )
    preflight = body["paths"]["/v1/products"]["options"]["x-amazon-apigateway-integration"]
    assert preflight["type"] == "mock"
    answer = preflight["responses"]["default"]
    assert f'"{",".join(origins)}".split(",")' in answer["responseTemplates"]["application/json"]
    headers = answer["responseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Methods"] == (
        "'GET,POST,PUT,DELETE,OPTIONS'"
    )
    assert "Idempotency-Key" in headers["method.response.header.Access-Control-Allow-Headers"]
    for response in ("DEFAULT_4XX", "DEFAULT_5XX"):
        params = body["x-amazon-apigateway-gateway-responses"][response]["responseParameters"]
        assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{origins[0]}'"
        assert params["gatewayresponse.header.Vary"] == "'Origin'"


def test_a_route_added_to_the_contract_needs_no_hcl(plans):
    """GIVEN a new cached GET in the contract only, WHEN qa is planned, THEN it
    gets its own permission and its cache setting."""
    plan = plans[NEW_ROUTE]
    key = "GET /v1/categories/{name}"
    permission = plan.after(f'module.api.aws_lambda_permission.route["{key}"]')
    assert permission["qualifier"] == "qa"
    assert plan.output("api_routes")[key] == {
        "cached": True,
        "execute_api_path": "qa/GET/v1/categories/*",
    }
    setting = plan.after(f'module.api.aws_api_gateway_method_settings.this["{key}"]')
    assert setting["method_path"] == "~1v1~1categories~1{name}/GET"
    assert setting["settings"][0]["caching_enabled"] is True


@pytest.fixture(scope="module")
def unescaped_method_paths(scratch, cli_config, terraform):
    """qa planned from a copy of the api module that writes method paths as
    the module used to (v1/products/GET): an override file replaces only the
    local that builds them, as a careless edit would."""
    from .conftest import Terraform, checkout

    root = checkout(scratch, "checkout-unescaped-method-paths")
    (root / "modules" / "api" / "method_paths_override.tf").write_text(
        "locals {\n"
        "  method_paths = {\n"
        "    for key, op in local.cached_routes :\n"
        '      key => "${trimprefix(op.path, "/")}/${op.method}"\n'
        "  }\n}\n"
    )
    mutated = Terraform(root, cli_config, terraform.manifest, scratch)
    mutated.init()
    return mutated.refused("qa")


def test_an_unescaped_nested_method_path_is_refused_with_how_to_write_it(unescaped_method_paths):
    """GIVEN per-method settings keyed v1/products/GET, WHEN qa is planned,
    THEN the plan stops and says how AWS wants the path written."""
    outcome = unescaped_method_paths
    assert outcome.returncode != 0
    assert "Per-method settings would never apply" in outcome.text
    assert "GET /v1/products/{id} as v1/products/{id}/GET" in outcome.text
    assert "~1v1~1products~1{id}/GET" in outcome.text
