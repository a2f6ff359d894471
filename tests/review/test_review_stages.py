"""The three real stages pass, every check having looked at something real.

Also: what a check cannot see fails it ("cannot verify"), and nothing
passes on a plan that has nothing in it.
"""

from __future__ import annotations

import pytest
from plan_edits import REST_API, change, drop, set_after

import review

PROD_ONLY = {"cors-prod-wildcard", "db-deletion-protection"}


def _statuses(report) -> dict[str, str]:
    return {r.check.id: r.status for r in report.results}


@pytest.mark.parametrize("stage", ["dev", "qa", "prod"])
def test_first_plan_of_each_stage_passes(stage, first_plan):
    report = review.run(first_plan(stage), stage)
    assert report.ok, report.markdown
    assert report.summary.startswith(
        f"review: {len(review.model.REGISTRY)} checks, 0 failed, 0 allowed"
    )
    assert report.markdown.rstrip().endswith(report.summary)
    for result in report.results:
        if result.check.id in PROD_ONLY and stage != "prod":
            assert result.status == "n/a"
        else:
            assert result.status == "pass"
            assert result.evidence, f"{result.check.id} passed without looking at anything"


@pytest.mark.parametrize("stage", ["qa", "prod"])
def test_plan_with_a_known_body_passes_reading_the_body(stage, pinned_plan):
    report = review.run(pinned_plan(stage), stage)
    assert report.ok, report.markdown
    (cache,) = [r for r in report.results if r.check.id == "cache-key-params"]
    assert any(f"the rendered body of {REST_API} (from the plan)" in e for e in cache.evidence)


def test_first_plan_reads_the_contract_and_says_so(first_plan):
    report = review.run(first_plan("qa"), "qa")
    (cache,) = [r for r in report.results if r.check.id == "cache-key-params"]
    source = next(e for e in cache.evidence if e.startswith("source:"))
    assert "api/openapi.yaml rendered with the plan's inputs" in source
    assert "known after apply" in source
    assert "first plan" in report.markdown


def test_log_groups_aws_would_create_are_declared_with_retention(first_plan):
    """API Gateway's execution logs and RDS's log exports go to groups the
    stack declares, so none is created by AWS without retention."""
    report = review.run(first_plan("qa"), "qa", allow_files=[])
    assert report.ok, report.markdown
    (logs,) = [r for r in report.results if r.check.id == "log-retention"]
    evidence = " ".join(logs.evidence)
    assert "module.database.aws_db_instance.this: exported logs go to declared groups" in evidence
    assert "execution" in evidence


def test_an_unknown_body_without_its_contract_cannot_be_verified(first_plan, tmp_path):
    plan = first_plan("qa")
    plan["variables"]["contract_path"] = {"value": str(tmp_path / "missing.yaml")}
    report = review.run(plan, "qa")
    failed = {r.check.id: r for r in report.failed}
    assert set(failed) == {
        "cache-key-params",
        "cors-origin-cache-key",
        "integration-qualified-arn",
        "lambda-permission-scope",
    }
    for result in failed.values():
        assert all(f.unverifiable for f in result.failed)
        assert all(f.text.startswith("cannot verify: ") for f in result.failed)


def test_a_missing_parameter_group_makes_the_budget_unverifiable(first_plan):
    plan = first_plan("prod")
    drop(plan, "module.database.aws_db_parameter_group.this")
    report = review.run(plan, "prod")
    assert [r.check.id for r in report.failed] == ["db-connection-budget"]
    (finding,) = report.failed[0].failed
    assert finding.address == "module.database.aws_db_instance.this"
    assert finding.text == "cannot verify: its parameter group (named at apply) is not in the plan"


def test_an_unknown_setting_is_never_a_pass(first_plan):
    plan = first_plan("qa")
    address = "module.database.aws_db_instance.this"
    set_after(plan, address, ["storage_encrypted"], None)
    change(plan, address)["change"]["after_unknown"]["storage_encrypted"] = True
    report = review.run(plan, "qa")
    (result,) = report.failed
    assert result.check.id == "db-encrypted"
    assert result.failed[0].text == "cannot verify: storage_encrypted is known after apply"


def test_an_empty_plan_passes_nothing(first_plan):
    """GIVEN a plan with no resources at all (e.g. everything removed), THEN no check passes."""
    plan = first_plan("prod")
    plan["resource_changes"] = []
    plan["output_changes"] = {}
    report = review.run(plan, "prod", allow_files=[])
    assert not report.ok
    assert {r.status for r in report.results} <= {"fail", "n/a"}
    assert {r.check.id for r in report.results if r.status == "n/a"} <= {
        "vpc-private-subnets",
        "vpc-nat-egress",
        "vpc-subnet-capacity",
        "schedule-alias",
        "integration-qualified-arn",
    }


def _with_known_subnet_ids(plan, placement: dict[str, list[str]]):
    """Give every subnet its ID and the VPC functions theirs, as a plan against state shows.

    The Tier tags are removed, so only the IDs can place the functions.
    """
    for entry in plan["resource_changes"]:
        if entry["type"] == "aws_subnet":
            subnet_id = f"subnet-{entry['name']}-{entry['index'][-1]}"
            set_after(plan, entry["address"], ["id"], subnet_id)
            set_after(plan, entry["address"], ["tags"], {"Name": subnet_id})
    for function, subnets in placement.items():
        address = f"module.{function}_function.aws_lambda_function.this"
        set_after(plan, address, ["vpc_config", 0, "subnet_ids"], subnets)


def test_known_subnet_ids_place_the_functions(first_plan):
    plan = first_plan("qa")
    app = ["subnet-app-a", "subnet-app-b"]
    _with_known_subnet_ids(plan, {"api": app, "report": app, "migrate": app})
    report = review.run(plan, "qa")
    assert report.ok, report.markdown
    (private,) = [r for r in report.results if r.check.id == "vpc-private-subnets"]
    assert all("its subnet IDs in the plan" in e for e in private.evidence)


def test_a_function_placed_in_a_public_subnet_by_id_fails(first_plan):
    """GIVEN the api function placed, by ID, in a public subnet (its route goes to the IGW)."""
    plan = first_plan("qa")
    app = ["subnet-app-a", "subnet-app-b"]
    _with_known_subnet_ids(plan, {"api": ["subnet-public-a"], "report": app, "migrate": app})
    report = review.run(plan, "qa")
    failed = {r.check.id: r.failed for r in report.failed}
    assert set(failed) == {"vpc-private-subnets", "vpc-nat-egress"}
    (finding,) = failed["vpc-private-subnets"]
    assert finding.address == 'module.network.aws_subnet.public["eu-west-1a"]'
    assert "module.network.aws_route.public_internet sends 0.0.0.0/0 to an internet gateway" in (
        finding.text
    )
