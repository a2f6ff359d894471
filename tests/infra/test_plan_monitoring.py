"""What an operator gets per stage: JSON logs, alarms on the functions' own
metrics, a dashboard, and database logins with no password in the plan."""

import json

from shop.metrics import METRICS, NAMESPACE

from .conftest import FUNCTIONS, REPO


def test_every_function_logs_in_lambdas_json_format(plan):
    for name in FUNCTIONS:
        fn = plan.after(f"module.{name}_function.aws_lambda_function.this")
        assert fn["logging_config"][0]["log_format"] == "JSON", name
    hook = plan.after("module.release.aws_lambda_function.hook")
    assert hook["logging_config"][0]["log_format"] == "JSON", "pretraffic"


def test_alarms_watch_backlog_age_parked_rows_and_the_503_rate(plan, stage, tfvars):
    alarms = plan.of_type("aws_cloudwatch_metric_alarm")
    prefix = f"shop-{stage}-"
    app = {alarm["alarm_name"].removeprefix(prefix): alarm for alarm in alarms.values()}
    backlog = app["outbox-backlog-age"]
    assert (backlog["namespace"], backlog["metric_name"]) == (NAMESPACE, "OutboxBacklogAge")
    assert backlog["dimensions"] == {"Stage": stage} and backlog["statistic"] == "Maximum"
    assert backlog["threshold"] == tfvars["monitoring"].get("outbox_backlog_age_s", 900)
    assert backlog["treat_missing_data"] == "breaching"  # a silent relay is an outage too
    parked = app["notifications-parked"]
    assert parked["metric_name"] == "NotificationsParked" and parked["threshold"] == 1
    # One parked row in a period is enough for a person to look.
    assert (parked["statistic"], parked["comparison_operator"]) == (
        "Sum",
        "GreaterThanOrEqualToThreshold",
    )
    assert parked["dimensions"] == {"Stage": stage} and parked["evaluation_periods"] == 1
    rate = app["api-503-rate"]
    queries = {q["id"]: q for q in rate["metric_query"]}
    assert queries["unavailable"]["metric"][0]["metric_name"] == "ServiceUnavailable"
    assert queries["unavailable"]["metric"][0]["dimensions"] == {"Stage": stage}
    assert queries["requests"]["metric"][0]["namespace"] == "AWS/ApiGateway"
    assert "unavailable / requests" in queries["rate"]["expression"]
    assert rate["comparison_operator"] == "GreaterThanThreshold"
    assert rate["threshold"] == tfvars["monitoring"].get("unavailable_rate_percent", 5)
    for alarm in (backlog, parked, rate):
        assert alarm["alarm_name"].startswith(prefix)
    # The stage's alarm topic (known at apply) is the only action.
    for name in ("this", "unavailable_rate"):
        address = f"aws_cloudwatch_metric_alarm.{name}"
        actions = plan.module_resource_config("monitoring", address)["expressions"]
        assert "local.common.alarm_actions" in json.dumps(actions["alarm_actions"])
    for metric in ("OutboxBacklogAge", "NotificationsParked", "ServiceUnavailable"):
        assert metric in METRICS  # the names the functions write


def test_one_dashboard_per_stage_shows_every_metric_the_functions_write(plan, stage):
    (dashboard,) = plan.of_type("aws_cloudwatch_dashboard").values()
    assert dashboard["dashboard_name"] == f"shop-{stage}"
    body = json.loads(dashboard["dashboard_body"])
    shown = json.dumps(body)
    missing = [name for name in METRICS if f'"{name}"' not in shown and name not in shown]
    assert missing == []
    assert all(w["properties"]["metrics"] for w in body["widgets"])
    assert f'Stage=\\"{stage}\\"' in shown or f'"Stage", "{stage}"' in shown


def test_the_relay_runs_on_its_own_schedule_with_its_event(plan, stage):
    rules = plan.of_type("aws_cloudwatch_event_rule")
    relay = rules['module.report_function.aws_cloudwatch_event_rule.schedule["relay"]']
    assert relay["schedule_expression"].startswith("rate(") and relay["state"] == "ENABLED"
    targets = plan.of_type("aws_cloudwatch_event_target")
    target = targets['module.report_function.aws_cloudwatch_event_target.schedule["relay"]']
    assert json.loads(target["input"]) == {"action": "relay"}


def test_functions_log_in_as_the_app_user_and_only_migrate_holds_the_master_secret(plan):
    statements = {
        name: {s["sid"]: s for s in plan.policy_statements(f"{name}_function")}
        for name in ("api", "report", "migrate")
    }
    config = plan.data["configuration"]["root_module"]
    assert "aws_db_instance.this.master_user_secret" in json.dumps(config)  # the master's ARN
    for name in ("api", "report"):
        read = statements[name]["ReadDatabaseSecret"]
        assert read["actions"] == ["secretsmanager:GetSecretValue"], name
        assert "ReadMasterSecret" not in statements[name]
    assert statements["migrate"]["KeepAppSecret"]["actions"] == [
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
    ]
    assert "ReadMasterSecret" in statements["migrate"]
    functions = plan.output("functions")
    assert functions["migrate"]["environment"]["SHOP_DB_APP_USER"] == "app"


def test_no_database_password_is_in_the_plan(plan):
    """RDS manages the master password; the app user's is written by migrate:
    Terraform holds a secret's name, never a value."""
    instance = plan.after("module.database.aws_db_instance.this")
    assert instance["manage_master_user_password"] is True and instance.get("password") is None
    assert plan.of_type("aws_secretsmanager_secret_version") == {}
    (secret,) = plan.of_type("aws_secretsmanager_secret").values()
    assert secret["name_prefix"].endswith("-db-app-")
    text = json.dumps(plan.data)
    assert '"password_wo"' not in text or '"password_wo": null' in text
    assert (REPO / "functions" / "shop" / "dbusers.py").exists()
