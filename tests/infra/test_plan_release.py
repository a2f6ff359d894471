"""The release machinery per stage: Terraform owns CodeDeploy's application,
deployment group, alarms and pre-traffic hook (terraform/modules/release), and
leaves the alias's version to CodeDeploy and the deploy (modules/function).

`released_alias` plans the function module on its own over a state where an
earlier release left the alias on version 2 with a canary routing 10% to
version 3, as CodeDeploy does mid-deployment, while the code changed: the
plan must publish a version and leave the alias as it is. Offline
(-refresh=false): the state is all Terraform knows.
"""

import json
import re

import pytest

from .conftest import HOOKS, Plan, plan_module

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'
ARN = "arn:aws:lambda:eu-west-1:111122223333:function:shop-qa-api"
# The api's alarms that stop a deployment (modules/monitoring, output api_alarms).
STOPPING = ("api-errors", "api-duration-near-timeout", "api-5xx")


def test_codedeploy_shifts_the_api_by_the_stages_configuration_and_rolls_back_on_alarm(
    plan, tfvars, stage
):
    (app,) = plan.of_type("aws_codedeploy_app").values()
    assert (app["name"], app["compute_platform"]) == (f"shop-{stage}-release", "Lambda")
    (group,) = plan.of_type("aws_codedeploy_deployment_group").values()
    assert group["app_name"] == app["name"]
    assert group["deployment_group_name"] == f"shop-{stage}-api"
    # the stage's configuration from its tfvars: all at once in dev, gradual elsewhere
    config = group["deployment_config_name"]
    assert config == tfvars["release"]["deployment_config"]
    if stage == "dev":
        assert config == "CodeDeployDefault.LambdaAllAtOnce"
    else:
        assert re.fullmatch(r"CodeDeployDefault\.Lambda(Canary|Linear)10Percent\w+", config)
    assert group["deployment_style"] == [
        {"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"}
    ]
    (rollback,) = group["auto_rollback_configuration"]
    assert rollback["enabled"] is True
    assert set(rollback["events"]) == {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}
    # the api's error and latency alarms (and the gateway's 5xx) stop it, and exist
    (alarms,) = group["alarm_configuration"]
    assert alarms["enabled"] is True and alarms["ignore_poll_alarm_failure"] is False
    wanted = {f"shop-{stage}-{kind}" for kind in STOPPING}
    assert set(alarms["alarms"]) == wanted
    planned = {a["alarm_name"]: a for a in plan.of_type("aws_cloudwatch_metric_alarm").values()}
    assert wanted <= set(planned)
    assert planned[f"shop-{stage}-api-errors"]["dimensions"] == {
        "FunctionName": f"shop-{stage}-api"
    }
    assert planned[f"shop-{stage}-api-duration-near-timeout"]["metric_name"] == "Duration"


def test_the_pretraffic_hook_smoke_tests_api_versions_and_answers_its_group(plan, stage):
    hook = plan.after("module.release.aws_lambda_function.hook")
    assert hook["function_name"] == f"shop-{stage}-pretraffic"
    assert hook["handler"] == HOOKS["pretraffic"][0]
    assert hook["environment"][0]["variables"] == {"SHOP_HOOK_FUNCTION": f"shop-{stage}-api"}
    assert hook["reserved_concurrent_executions"] == 1
    hook_policy = {
        s["sid"]: s
        for s in plan.after("module.release.data.aws_iam_policy_document.hook")["statement"]
    }
    assert set(hook_policy["ReadDeploymentReportHook"]["actions"]) == {
        "codedeploy:GetDeployment",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
    }
    assert hook_policy["InvokeApiVersions"]["actions"] == ["lambda:InvokeFunction"]
    # CodeDeploy's own role: the api's alias, the hook and the alarms, nothing else
    statements = plan.after("module.release.data.aws_iam_policy_document.codedeploy")["statement"]
    actions = {a for s in statements for a in s["actions"]}
    assert actions == {
        "lambda:GetAlias",
        "lambda:UpdateAlias",
        "lambda:GetProvisionedConcurrencyConfig",
        "lambda:InvokeFunction",
        "cloudwatch:DescribeAlarms",
    }
    role = plan.after('module.release.aws_iam_role.this["codedeploy"]')
    (trust,) = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}


def _resource(type_: str, attributes: dict, depends_on=()) -> dict:
    return {
        "module": "module.function",
        "mode": "managed",
        "type": type_,
        "name": "this",
        "provider": PROVIDER,
        "instances": [
            {
                "schema_version": 0,
                "attributes": attributes,
                "sensitive_attributes": [],
                "dependencies": list(depends_on),
            }
        ],
    }


RELEASED_STATE = {
    "version": 4,
    "terraform_version": "1.11.4",
    "serial": 1,
    "lineage": "00000000-0000-4000-8000-000000000011",
    "outputs": {},
    "resources": [
        _resource(
            "aws_lambda_function",
            {
                "id": "shop-qa-api",
                "function_name": "shop-qa-api",
                "arn": ARN,
                "qualified_arn": f"{ARN}:3",
                "version": "3",
                "publish": True,
                "package_type": "Zip",
                "handler": "shop.api.handler",
                "runtime": "python3.12",
                "source_code_hash": "an-earlier-build",
                "tags": {},
                "tags_all": {},
            },
        ),
        _resource(
            "aws_lambda_alias",
            {
                "id": f"{ARN}:qa",
                "arn": f"{ARN}:qa",
                "name": "qa",
                "function_name": "shop-qa-api",
                "function_version": "2",
                "description": "Stage qa; rollback points it at an earlier version",
                "routing_config": [{"additional_version_weights": {"3": 0.1}}],
            },
            depends_on=["module.function.aws_lambda_function.this"],
        ),
    ],
}


@pytest.fixture(scope="module")
def released_alias(terraform, cli_config, scratch) -> Plan:
    api = json.loads(terraform.manifest.read_text())["functions"]["api"]
    package_root = terraform.manifest.parent.parent
    inputs = {
        "function": {
            "name": "shop-qa-api",
            "alias_name": "qa",
            "settings": {
                "memory_mb": 512,
                "timeout_s": 10,
                "architecture": "x86_64",
                "reserved_concurrency": 10,
                "provisioned_concurrency": 0,
                "snap_start": False,
                "log_retention_days": 14,
            },
            "package": {
                "filename": str(package_root / api["path"]),
                "source_code_hash": api["sha256_base64"],
                "handler": api["handler"],
                "runtime": "python3.12",
                "architecture": "x86_64",
                "layer_arns": [],
            },
        },
        "description": "the api, with new code",
    }
    return plan_module(
        terraform, cli_config, scratch / "function-module", "function", inputs, RELEASED_STATE
    )


def test_new_code_publishes_a_version_and_leaves_the_alias_to_codedeploy(released_alias):
    # GIVEN the alias on version 2, mid-canary to 3, and a new build of the code
    planned = released_alias.changes["module.function.aws_lambda_function.this"]
    function = planned["change"]
    assert function["actions"] == ["update"], planned.get("replace_paths")
    assert function["after_unknown"].get("version") is True  # a new version is published
    # THEN Terraform neither moves the alias to it nor drops CodeDeploy's routing
    alias = released_alias.changes["module.function.aws_lambda_alias.this"]["change"]
    assert alias["after"].get("function_version") == "2", "the plan moves the alias"
    assert alias["after"].get("routing_config") == [{"additional_version_weights": {"3": 0.1}}]
    assert alias["actions"] in (["no-op"], ["update"])
