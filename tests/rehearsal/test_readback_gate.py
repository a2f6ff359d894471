"""The readback fails loudly: a stage that differs from its tfvars is reported, fact by fact.

Runs against a bare moto server (no Terraform), so it takes seconds; the
full rehearsal (test_apply_rehearsal.py) shows the same checks passing.
"""

import json
from pathlib import Path

import pytest

from deploy import readback
from deploy.rehearsal import MotoServer, changes
from deploy.steps import DeployError

ROOT = Path(__file__).resolve().parents[2]
APP_CONFIG = {"log_level": "DEBUG", "currency": "EUR"}


def expectations() -> readback.Expectations:
    functions = {fn: {"log_retention_days": 7} for fn in readback.FUNCTIONS}
    variables = {
        "project": "shop",
        "app_config": APP_CONFIG,
        "functions": functions,
        "api": {"access_log_retention_days": 14},
        "network": {"flow_log_retention_days": 30},
    }
    return readback.Expectations.from_values(variables, "dev", ROOT / "api" / "openapi.yaml")


def test_a_drifted_config_and_a_wrong_retention_are_both_reported(tmp_path):
    """GIVEN the SSM config with another log level and one log group keeping 3
    days instead of 7, WHEN read back, THEN both mismatches are named at once."""
    with MotoServer(tmp_path / "moto.log") as moto:
        aws = readback.Aws(moto.endpoint, "eu-west-1")
        drifted = {**APP_CONFIG, "log_level": "INFO"}
        aws.ssm.put_parameter(Name="/shop/dev/config", Type="String", Value=json.dumps(drifted))
        for group, days in {
            **{f"/aws/lambda/shop-dev-{fn}": 7 for fn in readback.FUNCTIONS},
            "/aws/lambda/shop-dev-report": 3,
            "/aws/apigateway/shop-dev-api/access": 14,
            "/aws/vpc/shop-dev/flow-rejects": 30,
        }.items():
            aws.logs.create_log_group(logGroupName=group)
            aws.logs.put_retention_policy(logGroupName=group, retentionInDays=days)
        facts = readback.Facts()
        readback.check_config_and_logs(facts, aws, expectations())
        with pytest.raises(DeployError) as raised:
            facts.done()
    message = raised.value.message
    assert message.startswith("2 fact(s) differ")
    assert "SSM config equals app_config" in message and "'INFO'" in message
    assert "/aws/lambda/shop-dev-report retention: expected 7, got 3" in message
    assert len(facts.passed) == 6


def test_only_real_changes_count_as_changes():
    plan = {
        "resource_changes": [
            {"address": "a.unchanged", "change": {"actions": ["no-op"]}},
            {"address": "data.b.read", "change": {"actions": ["read"]}},
            {"address": "c.moved", "change": {"actions": ["update"]}},
            {"address": "d.replaced", "change": {"actions": ["delete", "create"]}},
        ]
    }
    assert changes(plan) == {"c.moved": ["update"], "d.replaced": ["delete", "create"]}
