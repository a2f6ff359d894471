"""Functions, their aliases, roles, logs, schedules and packages, per stage."""

import json

from .conftest import FUNCTIONS, HOOKS, Scenario

REBUILT_REPORT = Scenario("qa", build={"salt": {"report": "changed"}})


def _snap_start_api(values):
    values["functions"]["api"]["snap_start"] = True
    return {"functions": values["functions"]}


SNAP_START_QA = Scenario("qa", overrides=_snap_start_api)

DB_ENV = {
    "SHOP_PROJECT",
    "SHOP_STAGE",
    "SHOP_ALIASES",
    "SHOP_CONFIG_PARAMETER",
    "SHOP_CONFIG_TTL_SECONDS",
    "SHOP_DB_SECRET_ARN",
    "SHOP_DB_HOST",
    "SHOP_DB_PORT",
    "SHOP_DB_NAME",
    "SHOP_DB_CA_BUNDLE",
    "SHOP_DB_CONNECT_TIMEOUT",
    "SHOP_DB_READ_TIMEOUT",
}
# Set for the Parameters and Secrets extension (its own variables' names).
EXTENSION_ENV = {
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED",
    "SSM_PARAMETER_STORE_TTL",
    "SECRETS_MANAGER_TTL",
}
EXPECTED_ENV = {
    "api": DB_ENV | EXTENSION_ENV | {"SHOP_TOPIC_ARN", "SHOP_SITE_ORIGIN"},
    "report": DB_ENV | EXTENSION_ENV | {"SHOP_TOPIC_ARN"},
    "migrate": DB_ENV | EXTENSION_ENV | {"SHOP_DB_APP_SECRET_ARN", "SHOP_DB_APP_USER"},
    "warmer": {
        "SHOP_PROJECT",
        "SHOP_STAGE",
        "SHOP_TARGET_FUNCTION",
        "SHOP_WARMER_CONCURRENCY",
        "SHOP_WARMER_HOLD_MS",
        "SHOP_WARMER_PRIME",
    },
}


def function(plan, name):
    return plan.after(f"module.{name}_function.aws_lambda_function.this")


def test_every_function_publishes_from_the_manifest(plan, terraform, tfvars, stage):
    manifest = json.loads(terraform.manifest.read_text())
    package_root = terraform.manifest.parent.parent
    assert len(plan.of_type("aws_lambda_function")) == len(FUNCTIONS) + len(HOOKS)
    for name in FUNCTIONS:
        fn = function(plan, name)
        built = manifest["functions"][name]
        settings = tfvars["functions"][name]
        assert fn["function_name"] == f"shop-{stage}-{name}"
        assert fn["publish"] is True
        assert fn["source_code_hash"] == built["sha256_base64"]
        assert fn["filename"] == f"{package_root}/{built['path']}"
        assert fn["handler"] == built["handler"]
        assert fn["runtime"] == "python3.12"
        assert fn["architectures"] == [built["architecture"]]
        assert fn["memory_size"] == settings["memory_mb"]
        assert fn["timeout"] == settings["timeout_s"]
        assert fn["reserved_concurrent_executions"] == settings["reserved_concurrency"] >= 1


def test_layers_come_from_the_manifest(plan, terraform, stage):
    manifest = json.loads(terraform.manifest.read_text())
    layers = plan.of_type("aws_lambda_layer_version")
    assert {layer["layer_name"] for layer in layers.values()} == {
        f"shop-{stage}-deps",
        f"shop-{stage}-migrations",
    }
    for layer in layers.values():
        built = manifest["layers"][layer["layer_name"].rsplit("-", 1)[1]]
        assert layer["source_code_hash"] == built["sha256_base64"]
        assert layer["compatible_runtimes"] == ["python3.12"]
    assert function(plan, "warmer")["layers"] == []


def test_each_function_has_a_stage_alias_on_its_published_version(plan, stage):
    aliases = plan.of_type("aws_lambda_alias")
    assert len(aliases) == len(FUNCTIONS)
    for name in FUNCTIONS:
        address = f"module.{name}_function.aws_lambda_alias.this"
        alias = plan.after(address)
        assert alias["name"] == stage
        assert alias["function_name"] == f"shop-{stage}-{name}"
        assert plan.unknown(address)["function_version"] is True


def test_provisioned_concurrency_follows_the_stage_switch(plan, tfvars, stage):
    configs = plan.of_type("aws_lambda_provisioned_concurrency_config")
    wanted = {
        name: f["provisioned_concurrency"]
        for name, f in tfvars["functions"].items()
        if f.get("provisioned_concurrency", 0) > 0
    }
    assert {
        c["function_name"].rsplit("-", 1)[1]: c["provisioned_concurrent_executions"]
        for c in configs.values()
    } == wanted
    assert all(c["qualifier"] == stage for c in configs.values())
    assert bool(wanted) is (stage == "prod")


def test_log_groups_keep_logs_per_stage_retention(plan, tfvars, stage):
    groups = plan.of_type("aws_cloudwatch_log_group")
    for name in FUNCTIONS:
        group = groups[f"module.{name}_function.aws_cloudwatch_log_group.this"]
        assert group["name"] == f"/aws/lambda/shop-{stage}-{name}"
        assert group["retention_in_days"] == tfvars["functions"][name]["log_retention_days"]
        assert function(plan, name)["logging_config"][0]["log_group"] == group["name"]


def test_environment_matches_the_architecture_doc(plan, tfvars, stage):
    functions = plan.output("functions")
    unknown_env = {
        name: {k for k, v in fn["environment"].items() if v is True}
        for name, fn in plan.data["output_changes"]["functions"]["after_unknown"].items()
    }
    for name, expected in EXPECTED_ENV.items():
        env = functions[name]["environment"]
        assert set(env) | unknown_env[name] == expected, name
        assert env["SHOP_PROJECT"] == "shop" and env["SHOP_STAGE"] == stage
    for name in ("api", "report", "migrate"):
        env = functions[name]["environment"]
        assert env["SHOP_CONFIG_PARAMETER"] == "/shop/{alias}/config"
        assert env["SHOP_ALIASES"] == stage
        assert env["SHOP_DB_PORT"] == "3306"
        client = tfvars["database"]["client"]
        assert int(env["SHOP_DB_READ_TIMEOUT"]) == client["read_timeout_s"]
        assert (
            int(env["SHOP_DB_CONNECT_TIMEOUT"]) + int(env["SHOP_DB_READ_TIMEOUT"])
            < (tfvars["functions"][name]["timeout_s"])
        )
        # Filled from the database module's outputs at apply time.
        assert {"SHOP_DB_SECRET_ARN", "SHOP_DB_HOST"} <= unknown_env[name]
    warmer = functions["warmer"]["environment"]
    assert warmer["SHOP_WARMER_CONCURRENCY"] == str(tfvars["app_config"]["warmer"]["concurrency"])


def test_one_least_privilege_role_per_function(plan, stage):
    roles = plan.of_type("aws_iam_role")
    function_roles = {a: r for a, r in roles.items() if a.endswith("_function.aws_iam_role.this")}
    assert sorted(r["name"] for r in function_roles.values()) == sorted(
        f"shop-{stage}-{name}" for name in FUNCTIONS
    )
    granted = {}
    for name in FUNCTIONS:
        statements = plan.policy_statements(f"{name}_function")
        actions = [a for s in statements for a in s["actions"]]
        assert not [a for a in actions if "*" in a], name
        assert all(s.get("effect") in (None, "Allow") for s in statements)
        granted[name] = set(actions)
    logs = {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert granted["warmer"] == logs | {"lambda:InvokeFunction"}
    assert {
        "ssm:GetParameter",
        "secretsmanager:GetSecretValue",
        "sns:Publish",
        "ses:SendEmail",
    } <= granted["api"]
    assert "sns:Publish" not in granted["migrate"] and "ses:SendEmail" not in granted["migrate"]
    # Only VPC functions may manage network interfaces.
    assert "ec2:CreateNetworkInterface" in granted["api"]
    assert "ec2:CreateNetworkInterface" not in granted["warmer"]


def test_resource_scoped_statements_name_their_resource(plan):
    """Apart from the ENI actions (no resource-level support), nothing is granted on "*"."""
    for name in FUNCTIONS:
        for statement in plan.policy_statements(f"{name}_function"):
            if statement["sid"] != "ManageVpcNetworkInterfaces":
                assert "*" not in (statement["resources"] or []), (name, statement["sid"])


def test_schedules_target_aliases(plan, tfvars, stage):
    rules = plan.of_type("aws_cloudwatch_event_rule")
    warmer = rules['module.warmer_function.aws_cloudwatch_event_rule.schedule["warm-api"]']
    minutes = tfvars["schedules"]["warmer"]["rate_minutes"]
    assert warmer["schedule_expression"] == f"rate({minutes} minutes)"
    assert warmer["state"] == ("DISABLED" if stage == "dev" else "ENABLED")
    report = rules['module.report_function.aws_cloudwatch_event_rule.schedule["daily-report"]']
    assert report["schedule_expression"] == tfvars["schedules"]["report"]["schedule_expression"]
    assert report["state"] == "ENABLED"

    target = plan.module_resource_config("warmer_function", "aws_cloudwatch_event_target.schedule")
    assert "aws_lambda_alias.this.arn" in target["expressions"]["arn"]["references"]
    permissions = {
        a: p for a, p in plan.of_type("aws_lambda_permission").items() if ".schedule[" in a
    }
    assert len(permissions) == 4  # warmer, daily report, relay, login rotation
    for permission in permissions.values():
        assert permission["principal"] == "events.amazonaws.com"
        assert permission["qualifier"] == stage
    config = plan.module_resource_config("warmer_function", "aws_lambda_permission.schedule")
    assert "aws_cloudwatch_event_rule.schedule" in config["expressions"]["source_arn"]["references"]


def test_the_application_login_is_rotated_on_the_stages_schedule(plan, tfvars, stage):
    """Nothing else rotates the application login: an EventBridge rule per stage
    sends {"action": "rotate"} to the migrate alias every rate_days, and only
    that rule may invoke it for EventBridge."""
    key = '["rotate-app-login"]'
    rule = plan.after(f"module.migrate_function.aws_cloudwatch_event_rule.schedule{key}")
    days = tfvars["schedules"]["app_login_rotation"]["rate_days"]
    assert 1 <= days <= 90
    assert rule["schedule_expression"] == f"rate({days} days)"
    assert rule["state"] == "ENABLED"
    target = plan.after(f"module.migrate_function.aws_cloudwatch_event_target.schedule{key}")
    assert json.loads(target["input"]) == {"action": "rotate"}
    permission = plan.after(f"module.migrate_function.aws_lambda_permission.schedule{key}")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["qualifier"] == stage
    assert permission["function_name"] == f"shop-{stage}-migrate"
    config = plan.module_resource_config("migrate_function", "aws_lambda_permission.schedule")
    assert "aws_cloudwatch_event_rule.schedule" in config["expressions"]["source_arn"]["references"]
    target_config = plan.module_resource_config(
        "migrate_function", "aws_cloudwatch_event_target.schedule"
    )
    assert "aws_lambda_alias.this.arn" in target_config["expressions"]["arn"]["references"]
    migrate_rules = [
        a for a in plan.of_type("aws_cloudwatch_event_rule") if a.startswith("module.migrate_")
    ]
    assert migrate_rules == [f"module.migrate_function.aws_cloudwatch_event_rule.schedule{key}"]


def test_unchanged_build_changes_no_function(plans):
    """GIVEN a rebuild where only report's code changed, WHEN qa is planned
    again, THEN every other function and both layers are planned exactly as
    before: the hash in the manifest is the only thing that moves a function."""
    before, after = plans.stage("qa"), plans[REBUILT_REPORT]
    for name in FUNCTIONS:
        old, new = function(before, name), function(after, name)
        old_hash, new_hash = old.pop("source_code_hash"), new.pop("source_code_hash")
        old.pop("filename"), new.pop("filename")
        assert old == new, name
        assert (old_hash != new_hash) is (name == "report"), name
    for address, layer in before.of_type("aws_lambda_layer_version").items():
        assert after.after(address)["source_code_hash"] == layer["source_code_hash"]


def test_database_functions_carry_the_parameters_and_secrets_extension(plan, tfvars, stage):
    # https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
    region, outputs = tfvars["region"], plan.output("functions")
    for name in ("api", "report", "migrate"):
        arch = tfvars["functions"][name].get("architecture", "x86_64")
        suffix = "" if arch == "x86_64" else "-Arm64"
        [extension] = outputs[name]["extension_layers"]
        assert extension.startswith(f"arn:aws:lambda:{region}:")
        assert f":layer:AWS-Parameters-and-Secrets-Lambda-Extension{suffix}:" in extension
        env = outputs[name]["environment"]
        assert env["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == "2773"
        ttl = min(tfvars.get("config_ttl_seconds", 60), 300)
        assert env["SSM_PARAMETER_STORE_TTL"] == str(ttl)
    assert outputs["warmer"]["extension_layers"] == []


def test_snap_start_follows_the_stage_switch(plan, tfvars):
    for name in FUNCTIONS:
        wanted = tfvars["functions"][name].get("snap_start", False)
        snap = function(plan, name).get("snap_start") or []
        assert snap == ([{"apply_on": "PublishedVersions"}] if wanted else []), name


def test_snap_start_on_the_api_publishes_versions_with_snapshots(plans):
    fn = function(plans[SNAP_START_QA], "api")
    assert fn["snap_start"] == [{"apply_on": "PublishedVersions"}]
    assert fn["publish"] is True  # SnapStart applies to published versions only
    assert function(plans[SNAP_START_QA], "report").get("snap_start") in (None, [])
