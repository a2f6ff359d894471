"""Every check fails on a plan broken in exactly its way, and only that check fails.

GIVEN a real plan of a stage (first plan, or the pinned one whose REST API
body is known), WHEN one thing is broken the way a bad configuration would
plan it, THEN the review fails, the failing checks are exactly the one that
guards it, and the finding names the resource at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from plan_edits import REST_API, change, copy_resource, drop, edit_body, integration, set_after

import review

REPO = Path(__file__).resolve().parents[2]
ROUTE = 'module.api.aws_lambda_permission.route["{}"]'
EXECUTE_API = "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5"
CACHED_PRODUCTS = 'module.api.aws_api_gateway_method_settings.this["GET /v1/products"]'


@dataclass
class Broken:
    stage: str
    base: str  # first, pinned, or contract (first plan + an edited api/openapi.yaml)
    edit: object  # edit(plan) for first/pinned, edit(contract) for contract
    check: str
    address: str
    says: str


def _drop_cache_key(name, path="/v1/products"):
    def edit(document):
        keys = integration(document, path, "get")["cacheKeyParameters"]
        keys.remove(name)

    return edit


def _ssm_origins(plan):
    address = "module.config.aws_ssm_parameter.this"
    config = json.loads(change(plan, address)["change"]["after"]["value"])
    config["cors_allowed_origins"].append("*")
    set_after(plan, address, ["value"], json.dumps(config))


def _gateway_response_star(document):
    params = document["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]
    params["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] = "'*'"


def _cors_variable_star(plan):
    plan["variables"]["app_config"]["value"]["cors_allowed_origins"].append("*")


def _unqualified_uri(document):
    uri = integration(document, "/v1/orders", "post")["uri"]
    integration(document, "/v1/orders", "post")["uri"] = uri.replace(":${stageVariables.alias}", "")


def _unqualified_contract(contract):
    proxy = dict(contract["x-shop-integrations"]["proxy"])
    proxy["uri"] = proxy["uri"].replace(":${stageVariables.alias}", "")
    contract["paths"]["/v1/orders"]["post"]["x-amazon-apigateway-integration"] = proxy


def _many_permissions(plan):
    for n in range(60):
        address = ROUTE.format(f"GET /v1/products copy {n}")
        entry = copy_resource(plan, ROUTE.format("GET /v1/products"), address)
        entry["change"]["after"]["statement_id"] = f"apigw-get-v1-products-copy-{n}"
        set_after(plan, address, ["source_arn"], f"{EXECUTE_API}/qa/GET/v1/products")


def _add_account_setting(plan):
    """API Gateway's logging role set by the stage, as dev once did."""
    plan["resource_changes"].append(
        {
            "address": "aws_api_gateway_account.logging",
            "mode": "managed",
            "type": "aws_api_gateway_account",
            "name": "logging",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": {"reset_on_delete": None},
                "after_unknown": {"cloudwatch_role_arn": True, "id": True},
            },
        }
    )


def _set(address, path, value):
    return lambda plan: set_after(plan, address, path, value)


BROKEN = {
    "cache key misses a query parameter (body)": Broken(
        "qa",
        "pinned",
        lambda plan: edit_body(plan, _drop_cache_key("method.request.querystring.page")),
        "cache-key-params",
        REST_API,
        "GET /v1/products is cached",
    ),
    "cache key misses a query parameter (contract, first plan)": Broken(
        "qa",
        "contract",
        _drop_cache_key("method.request.querystring.min_price"),
        "cache-key-params",
        REST_API,
        "miss method.request.querystring.min_price",
    ),
    "cache key misses a path parameter": Broken(
        "prod",
        "pinned",
        lambda plan: edit_body(
            plan, _drop_cache_key("method.request.path.id", "/v1/products/{id}")
        ),
        "cache-key-params",
        REST_API,
        "miss method.request.path.id",
    ),
    "cache key misses Origin": Broken(
        "qa",
        "pinned",
        lambda plan: edit_body(
            plan, _drop_cache_key("method.request.header.Origin", "/v1/products/{id}")
        ),
        "cors-origin-cache-key",
        REST_API,
        "GET /v1/products/{id} is cached",
    ),
    "method settings on an unescaped nested path": Broken(
        "qa",
        "first",
        _set(CACHED_PRODUCTS, ["method_path"], "v1/products/GET"),
        "method-settings-path",
        CACHED_PRODUCTS,
        "write '~1v1~1products/GET'",
    ),
    "* in prod's SSM config": Broken(
        "prod",
        "first",
        _ssm_origins,
        "cors-prod-wildcard",
        "module.config.aws_ssm_parameter.this",
        "allows ['*'] in prod",
    ),
    "* in prod's gateway responses": Broken(
        "prod",
        "pinned",
        lambda plan: edit_body(plan, _gateway_response_star),
        "cors-prod-wildcard",
        REST_API,
        "gateway response DEFAULT_4XX answers origin `*`",
    ),
    "* in prod's preflight (module input, first plan)": Broken(
        "prod",
        "first",
        _cors_variable_star,
        "cors-prod-wildcard",
        REST_API,
        "preflight OPTIONS /v1/products (default) answers origin `*`",
    ),
    "integration uri without the alias (body)": Broken(
        "qa",
        "pinned",
        lambda plan: edit_body(plan, _unqualified_uri),
        "integration-qualified-arn",
        REST_API,
        "POST /v1/orders: invokes arn:aws:lambda:eu-west-1:111122223333:function:shop-qa-api "
        "unqualified",
    ),
    "integration uri without the alias (contract, first plan)": Broken(
        "prod", "contract", _unqualified_contract, "integration-qualified-arn", REST_API, "$LATEST"
    ),
    "stage without the alias variable": Broken(
        "qa",
        "first",
        _set("module.api.aws_api_gateway_stage.this", ["variables"], {}),
        "integration-qualified-arn",
        "module.api.aws_api_gateway_stage.this",
        "defines no variable alias",
    ),
    "permission for every stage, method and path": Broken(
        "qa",
        "first",
        _set(ROUTE.format("GET /v1/products"), ["source_arn"], f"{EXECUTE_API}/*/*"),
        "lambda-permission-scope",
        ROUTE.format("GET /v1/products"),
        "<execution_arn>/*/*: stage `*` instead of `qa`; method `*`",
    ),
    "permission for another path": Broken(
        "qa",
        "first",
        _set(ROUTE.format("GET /v1/orders/{id}"), ["source_arn"], f"{EXECUTE_API}/qa/GET/v1/*"),
        "lambda-permission-scope",
        ROUTE.format("GET /v1/orders/{id}"),
        "path `/v1/*` is not one route",
    ),
    "permission without qualifier": Broken(
        "dev",
        "first",
        _set(ROUTE.format("POST /v1/orders"), ["qualifier"], None),
        "lambda-permission-scope",
        ROUTE.format("POST /v1/orders"),
        "no qualifier",
    ),
    "schedule permission without source": Broken(
        "qa",
        "first",
        _set(
            'module.warmer_function.aws_lambda_permission.schedule["warm-api"]',
            ["source_arn"],
            None,
        ),
        "lambda-permission-scope",
        'module.warmer_function.aws_lambda_permission.schedule["warm-api"]',
        "any EventBridge rule",
    ),
    "permission policy near 20 KB": Broken(
        "qa",
        "first",
        _many_permissions,
        "lambda-policy-size",
        "module.api_function.aws_lambda_alias.this",
        "of Lambda's 20 KB limit",
    ),
    "schedule targets the unqualified function": Broken(
        "qa",
        "first",
        _set(
            'module.warmer_function.aws_cloudwatch_event_target.schedule["warm-api"]',
            ["arn"],
            "arn:aws:lambda:eu-west-1:111122223333:function:shop-qa-warmer",
        ),
        "schedule-alias",
        'module.warmer_function.aws_cloudwatch_event_target.schedule["warm-api"]',
        "runs $LATEST",
    ),
    "app subnet maps public IPs": Broken(
        "qa",
        "first",
        _set('module.network.aws_subnet.app["eu-west-1a"]', ["map_public_ip_on_launch"], True),
        "vpc-private-subnets",
        'module.network.aws_subnet.app["eu-west-1a"]',
        "maps public IPs",
    ),
    "app subnet without a NAT route": Broken(
        "prod",
        "first",
        lambda plan: drop(plan, 'module.network.aws_route.app_internet["eu-west-1b"]'),
        "vpc-nat-egress",
        'module.network.aws_subnet.app["eu-west-1b"]',
        "no default route through a NAT gateway",
    ),
    "app subnet too small": Broken(
        "dev",
        "first",
        _set('module.network.aws_subnet.app["eu-west-1b"]', ["cidr_block"], "10.10.16.0/29"),
        "vpc-subnet-capacity",
        'module.network.aws_subnet.app["eu-west-1b"]',
        "3 usable addresses, needs 6",
    ),
    "public database": Broken(
        "qa",
        "first",
        _set("module.database.aws_db_instance.this", ["publicly_accessible"], True),
        "db-not-public",
        "module.database.aws_db_instance.this",
        "publicly_accessible = true",
    ),
    "unencrypted database": Broken(
        "prod",
        "first",
        _set("module.database.aws_db_instance.this", ["storage_encrypted"], False),
        "db-encrypted",
        "module.database.aws_db_instance.this",
        "storage_encrypted is not true",
    ),
    "plain-text password": Broken(
        "dev",
        "first",
        lambda plan: [
            set_after(plan, "module.database.aws_db_instance.this", ["password"], "hunter2!x"),
            set_after(
                plan, "module.database.aws_db_instance.this", ["manage_master_user_password"], None
            ),
        ],
        "db-password-managed",
        "module.database.aws_db_instance.this",
        "password is set: it is stored in plain text",
    ),
    "password in the tfvars": Broken(
        "qa",
        "first",
        lambda plan: plan["variables"]["database"]["value"].update(password="hunter2!x"),
        "db-password-managed",
        "var.database.password",
        "holds a secret in plain text",
    ),
    "prod database without deletion protection": Broken(
        "prod",
        "first",
        _set("module.database.aws_db_instance.this", ["deletion_protection"], False),
        "db-deletion-protection",
        "module.database.aws_db_instance.this",
        "deletion_protection is not true in prod",
    ),
    "fixed final snapshot name": Broken(
        "qa",
        "first",
        _set(
            "module.database.aws_db_instance.this", ["final_snapshot_identifier"], "shop-qa-final"
        ),
        "db-final-snapshot-name",
        "module.database.aws_db_instance.this",
        "'shop-qa-final' is fixed before the instance exists",
    ),
    "account setting in a stage": Broken(
        "dev",
        "first",
        _add_account_setting,
        "account-wide-settings",
        "aws_api_gateway_account.logging",
        "declare it in terraform/bootstrap/",
    ),
    "reserved concurrency past max_connections": Broken(
        "dev",
        "first",
        _set(
            "module.api_function.aws_lambda_function.this", ["reserved_concurrent_executions"], 50
        ),
        "db-connection-budget",
        "module.database.aws_db_instance.this",
        "shop-dev-api=50 + shop-dev-migrate=1 + shop-dev-report=1 + headroom 10 = 62 > "
        "max_connections 60",
    ),
    "database function without reserved concurrency": Broken(
        "qa",
        "first",
        _set(
            "module.report_function.aws_lambda_function.this",
            ["reserved_concurrent_executions"],
            -1,
        ),
        "db-connection-budget",
        "module.report_function.aws_lambda_function.this",
        "no reserved concurrency",
    ),
    "log group without retention": Broken(
        "qa",
        "first",
        _set("module.api_function.aws_cloudwatch_log_group.this", ["retention_in_days"], None),
        "log-retention",
        "module.api_function.aws_cloudwatch_log_group.this",
        "/aws/lambda/shop-qa-api has no retention",
    ),
    "function without a declared log group": Broken(
        "prod",
        "first",
        lambda plan: drop(plan, "module.warmer_function.aws_cloudwatch_log_group.this"),
        "log-retention",
        "module.warmer_function.aws_lambda_function.this",
        "Lambda creates it on the first invocation with no retention",
    ),
}


def _broken_plan(case: Broken, first_plan, pinned_plan, tmp_path: Path) -> dict:
    if case.base == "contract":
        plan = first_plan(case.stage)
        contract = yaml.safe_load((REPO / "api" / "openapi.yaml").read_text())
        case.edit(contract)
        path = tmp_path / "openapi.yaml"
        path.write_text(yaml.safe_dump(contract, sort_keys=False))
        plan["variables"]["contract_path"] = {"value": str(path)}
        return plan
    plan = first_plan(case.stage) if case.base == "first" else pinned_plan(case.stage)
    case.edit(plan)
    return plan


def test_every_check_has_a_broken_plan():
    assert {case.check for case in BROKEN.values()} == set(review.model.REGISTRY)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_plan_fails_exactly_its_check(name, first_plan, pinned_plan, tmp_path):
    case = BROKEN[name]
    report = review.run(
        _broken_plan(case, first_plan, pinned_plan, tmp_path), case.stage, source=name
    )
    assert not report.ok
    assert [r.check.id for r in report.failed] == [case.check], report.markdown
    (result,) = report.failed
    messages = [f.text for f in result.failed if f.address == case.address]
    assert messages, f"no finding at {case.address}: {[f.address for f in result.failed]}"
    assert any(case.says in m for m in messages), messages
    assert f"`{case.check}` at `{case.address}`" in report.markdown
