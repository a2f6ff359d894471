"""`python -m deploy rehearse --env dev` end to end: apply, re-plan, read back, re-run, destroy.

One run (tests/rehearsal/conftest.py starts it beside the other stages') is
shared by the tests below; each asserts one promise of
docs/infra-verification.md from the report the run writes. The rehearsal
stops at the first broken promise, so a failure shows in its output as well.
Deselect with `-m "not rehearsal"`.
"""

from pathlib import Path

import pytest
import yaml

from .conftest import facts, steps

ROOT = Path(__file__).resolve().parents[2]
REHEARSAL = "dev"

pytestmark = [pytest.mark.rehearsal, pytest.mark.infra, pytest.mark.timeout(1800)]


def test_every_step_ran_in_order_against_the_local_server(rehearsal):
    out, report = rehearsal
    assert [s.split(" ")[0] for s in steps(out)] == [
        "build", "terraform", "terraform", "second", "read", "re-run:", "re-run:", "destroy",
        "report",
    ]  # fmt: skip
    assert "moto http://127.0.0.1:" in out
    assert report["resources"] > 100
    for step in ("apply", "second_plan", "destroy", "changed_apply"):
        assert report["seconds"][step] > 0


def test_arns_carry_the_account_from_the_sts_endpoint(rehearsal):
    _, report = rehearsal
    (fact,) = [f for f in facts(report) if f.startswith("every ARN in the state names account")]
    assert "123456789012" in fact


def test_aliases_permissions_stage_and_config_match_the_tfvars_and_contract(rehearsal):
    _, report = rehearsal
    known = facts(report)
    for fn in ("api", "report", "migrate", "warmer"):
        assert known[f"shop-dev-{fn}:dev -> newest version"] == "1"
    source_arns = known["api alias permissions' SourceArn"]
    contract = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())
    lambda_routes = [
        op
        for item in contract["paths"].values()
        for op in item.values()
        if op.get("x-amazon-apigateway-integration", {}).get("type") == "aws_proxy"
    ]
    assert len(source_arns) == len(lambda_routes) > 0
    assert all("/dev/" in arn and "/*/*" not in arn for arn in source_arns)
    assert any(arn.endswith("/dev/GET/v1/products/*") for arn in source_arns)
    assert known["stage variables"] == {"alias": "dev"}
    assert known["cache cluster"] is False and known["methods with caching on"] == []
    assert known["SSM config equals app_config"]["log_level"] == "DEBUG"
    assert known["/aws/lambda/shop-dev-api retention"] == 7
    assert len(known["database admits 3306 only from the functions"]) == 1


def test_api_and_report_log_in_as_the_application_and_only_migrate_holds_the_master(rehearsal):
    _, report = rehearsal
    known = facts(report)
    (app,) = known["api logs in with the application secret"]
    assert ":secret:shop-dev-db-app-" in app
    assert known["report logs in with the application secret"] == [app]
    (master,) = known["migrate logs in with the master secret"]
    assert master and master != app
    for fn in ("api", "report"):
        assert known[f"{fn} may read the secrets"] == [app]
        assert known[f"{fn} may write the secrets"] == []
    assert known["migrate may read the secrets"] == sorted([master, app])
    assert known["migrate may write the secrets"] == [app]


def test_an_unchanged_rebuild_plans_nothing_and_a_change_moves_one_alias(rehearsal):
    out, report = rehearsal
    known = facts(report)
    assert "re-run: unchanged build" in out
    assert known["shop-dev-api new versions"] == 1
    assert known["shop-dev-api:dev stays until the deploy moves it"] == "1"
    for fn in ("report", "migrate", "warmer"):
        assert known[f"shop-dev-{fn} new versions"] == []
        assert known[f"shop-dev-{fn}:dev stays"] == "1"


def test_destroy_leaves_nothing_behind(rehearsal):
    _, report = rehearsal
    known = facts(report)
    for what in ("functions left", "VPCs left", "databases left", "REST APIs left"):
        assert known[what] == []
