"""Static site, notifications, config and monitoring, per stage."""

import json
import re

from .conftest import FUNCTIONS, REPO

DOCUMENTED_CONFIG_KEYS = {
    "log_level",
    "cors_allowed_origins",
    "page_size_default",
    "page_size_max",
    "max_body_bytes",
    "currency",
    "sender_email",
    "report_recipients",
    "retry_after_seconds",
    "warmer",
    "features",
}


def test_site_bucket_is_private_versioned_encrypted(plan, stage):
    (bucket,) = plan.of_type("aws_s3_bucket").values()
    assert bucket["bucket_prefix"] == f"shop-{stage}-site-"
    assert plan.bucket_is_private_versioned_encrypted()


def test_cloudfront_serves_the_bucket_through_oac_with_security_headers(plan):
    (oac,) = plan.of_type("aws_cloudfront_origin_access_control").values()
    assert (oac["origin_access_control_origin_type"], oac["signing_behavior"]) == ("s3", "always")
    (dist,) = plan.of_type("aws_cloudfront_distribution").values()
    assert dist["default_root_object"] == "index.html"
    behaviour = dist["default_cache_behavior"][0]
    assert behaviour["viewer_protocol_policy"] == "redirect-to-https"
    config = plan.module_resource_config("static_site", "aws_cloudfront_distribution.this")
    origin_refs = config["expressions"]["origin"][0]["origin_access_control_id"]["references"]
    assert "aws_cloudfront_origin_access_control.this.id" in origin_refs
    (headers,) = plan.of_type("aws_cloudfront_response_headers_policy").values()
    security = headers["security_headers_config"][0]
    assert security["strict_transport_security"][0]["access_control_max_age_sec"] >= 31536000
    assert security["frame_options"][0]["frame_option"] == "DENY"
    assert security["content_type_options"][0]["override"] is True


def test_site_learns_the_api_url_from_config_json(plan):
    (config_object,) = plan.of_type("aws_s3_object").values()
    assert config_object["key"] == "config.json"
    assert config_object["content_type"] == "application/json"
    assert config_object["cache_control"] == "no-cache"
    # The content embeds the stage's invoke URL, known only after apply.
    config = plan.module_resource_config("static_site", "aws_s3_object.config")
    assert {"var.api_base_url", "var.stage"} <= set(config["expressions"]["content"]["references"])
    root = plan.data["configuration"]["root_module"]["module_calls"]["static_site"]
    assert "module.api.invoke_url" in root["expressions"]["api_base_url"]["references"]


def test_config_json_has_the_keys_the_page_reads():
    """web/assets/api.js reads data.apiBaseUrl and data.stage from config.json."""
    page = (REPO / "web" / "assets" / "api.js").read_text()
    load_config = page[page.index("function loadConfig") :].split("\n}\n")[0]
    read = set(re.findall(r"\bdata\.([A-Za-z]+)", load_config))
    module = (REPO / "terraform" / "modules" / "static_site" / "main.tf").read_text()
    block = module[module.index('resource "aws_s3_object" "config"') :]
    written = set(re.findall(r"^\s+(\w+)\s+= var\.", block.split("jsonencode(")[1], re.M))
    assert read == written == {"apiBaseUrl", "stage"}


def test_notifications_topic_alarm_topic_and_sender(plan, tfvars, stage):
    topics = {t["name"] for t in plan.of_type("aws_sns_topic").values()}
    assert topics == {f"shop-{stage}-order-events", f"shop-{stage}-alarms"}
    (identity,) = plan.of_type("aws_ses_email_identity").values()
    assert identity["email"] == tfvars["app_config"]["sender_email"]


def test_config_parameter_holds_the_tfvars_app_config(plan, tfvars, stage):
    (parameter,) = plan.of_type("aws_ssm_parameter").values()
    assert parameter["name"] == f"/shop/{stage}/config"
    assert parameter["type"] == "String"
    config = json.loads(parameter["value"])
    assert set(config) == DOCUMENTED_CONFIG_KEYS
    for key, value in tfvars["app_config"].items():
        if isinstance(value, dict):
            assert value.items() <= config[key].items(), key
        else:
            assert config[key] == value, key
    assert set(config["warmer"]) == {"concurrency", "hold_ms", "prime"}
    assert set(config["features"]) == {"order_emails", "order_events"}


def test_alarms_cover_api_functions_and_database(plan, tfvars, stage):
    alarms = {a["alarm_name"]: a for a in plan.of_type("aws_cloudwatch_metric_alarm").values()}
    expected = {
        f"shop-{stage}-api-5xx",
        f"shop-{stage}-db-cpu",
        f"shop-{stage}-db-connections",
        f"shop-{stage}-db-free-storage",
        f"shop-{stage}-api-503-rate",
        f"shop-{stage}-outbox-backlog-age",
        f"shop-{stage}-notifications-parked",
    }
    for name in FUNCTIONS:
        expected |= {
            f"shop-{stage}-{name}-{kind}"
            for kind in ("errors", "throttles", "duration-near-timeout")
        }
    assert set(alarms) == expected
    for name in FUNCTIONS:
        duration = alarms[f"shop-{stage}-{name}-duration-near-timeout"]
        timeout_ms = tfvars["functions"][name]["timeout_s"] * 1000
        assert 0 < duration["threshold"] < timeout_ms
    assert alarms[f"shop-{stage}-api-5xx"]["metric_name"] == "5XXError"
    connections = alarms[f"shop-{stage}-db-connections"]["threshold"]
    assert connections <= tfvars["database"]["max_connections"]
    config = plan.module_resource_config("monitoring", "aws_cloudwatch_metric_alarm.this")
    assert "local.common.alarm_actions" in config["expressions"]["alarm_actions"]["references"]
