"""A release after the apply, against moto (Lambda aliases and versions, SSM,
CloudWatch alarms) and botocore's Stubber where moto stops: moto creates
CodeDeploy deployments but never runs them, and runs Lambda code only with
Docker. The Stubber plays CodeDeploy's answers, and between two polls the
test does to moto what CodeDeploy does on AWS (move the alias's routing
weight, roll it back) and what CloudWatch does (an alarm fires).

CodeDeploy's documented behaviour encoded here: traffic moves through the
alias's routing configuration; on an alarm the deployment stops and the
alias goes back to the original version
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html,
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).
"""

from __future__ import annotations

import io

import boto3
import pytest

from deploy import canary, history, release, ship
from deploy.steps import DeployError, Steps
from support.releasestage import (
    NAMES,
    REGION,
    canary_that_succeeds,
    publish,
    roll_out,
    rollback_that_succeeds,
    shipped,
)


def test_migrate_client_waits_longer_than_the_function_and_never_retries():
    session = boto3.session.Session(region_name=REGION)
    client = release.migrate_client(session, 300)
    assert client.meta.config.read_timeout > 300
    assert client.meta.config.retries["total_max_attempts"] == 1


def test_a_failed_migration_leaves_the_old_version_serving(stage):
    # GIVEN release 1 serving and release 2 published by the apply
    targets = stage.publish_all("release-2")
    stage.migration(
        {"errorType": "OperationalError", "errorMessage": "(1060, \"Duplicate column 'sku'\")"},
        error="Unhandled",
    )
    out = io.StringIO()
    # WHEN the migration fails
    with pytest.raises(DeployError) as failed:
        roll_out(stage, targets, out)
    # THEN the deploy stops with the function's own error, before CodeDeploy is asked anything
    assert "migrations failed: OperationalError: (1060, \"Duplicate column 'sku'\")" in str(
        failed.value.message
    )
    assert "every serving alias still runs the old version" in failed.value.message
    # AND every alias, migrate included, still points at release 1
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "1")


def test_a_throttled_migrate_invocation_stops_the_deploy_without_a_traceback(stage):
    # GIVEN migrate (reserved concurrency 1) still busy, so Lambda refuses the invoke
    targets = stage.publish_all("release-2")
    stage.invoke.add_client_error(
        "invoke",
        service_error_code="TooManyRequestsException",
        service_message="Rate Exceeded.",
        http_status_code=429,
    )
    # WHEN the deploy migrates
    with pytest.raises(DeployError) as failed:
        roll_out(stage, targets, io.StringIO())
    # THEN it stops with the reason, and every alias, migrate included, is on release 1
    assert "the migrate invocation failed (TooManyRequestsException" in failed.value.message
    assert "every serving alias still runs the old version" in failed.value.message
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "1")


def test_an_alarm_during_the_canary_rolls_back_and_the_deploy_fails(stage):
    targets = stage.publish_all("release-2")
    stage.migration({"before": "0001", "after": "0001", "head": "0001"})
    stage.canary_stopped_by_alarm("1", "2")
    out = io.StringIO()
    with pytest.raises(DeployError) as failed:
        roll_out(stage, targets, out)
    lines = out.getvalue()
    assert " 10% on version 2" in lines and "shop-qa-api-errors ALARM" in lines
    assert "was rolled back: ALARM_ACTIVE" in failed.value.message
    assert "qa serves version 1" in failed.value.message
    # the api is back on release 1 and report/warmer never moved
    served = ship.serving(stage.lam, NAMES)
    assert (served["api"], served["report"], served["warmer"]) == ("1", "1", "1")
    assert history.load(stage.aws.ssm, NAMES.history) == []  # nothing recorded


def test_a_second_deploy_after_a_failed_one_succeeds_and_is_recorded(stage):
    # GIVEN a deploy of release 2 that CodeDeploy rolled back
    bad = stage.publish_all("release-2")
    stage.migration({"before": "0001", "after": "0001", "head": "0001"})
    stage.deployment("1", "2", [("Stopped", stage.settle("1"), "alarm")])
    with pytest.raises(DeployError):
        roll_out(stage, bad, io.StringIO())
    # WHEN the fixed build (release 3) is deployed
    fixed = stage.publish_all("release-3")
    stage.migration({"before": "0001", "after": "0002", "head": "0002"})
    canary_that_succeeds(stage, "1", "3")
    out = io.StringIO()
    roll_out(stage, fixed, out)
    entry = ship.record(
        stage.aws,
        NAMES,
        commit="c0ffee" * 6 + "abcd",
        by="arn:aws:iam::1:user/dev",
        keep=5,
        out=out,
    )
    # THEN every alias serves release 3, and it is the recorded release
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "3")
    assert history.load(stage.aws.ssm, NAMES.history) == [entry]
    assert entry["versions"]["api"] == "3" and entry["by"] == "arn:aws:iam::1:user/dev"
    text = out.getvalue()
    assert "schema 0001 -> 0002" in text and "Succeeded  100% on version 3" in text
    # the never-served release 2 is pruned; release 1 is not recorded either
    assert history.published(stage.lam, NAMES.function("api")) == ["3"]


def test_rollback_returns_every_alias_to_the_recorded_release(stage):
    # GIVEN release 1 recorded, then release 2 deployed and recorded
    ship.record(stage.aws, NAMES, commit="1" * 40, by="alice", keep=5, out=io.StringIO())
    shipped(stage, "2", serving="1", schema=("0001", "0002"), by="bob")
    # WHEN rolling back (all at once: that code already served)
    rollback_that_succeeds(stage, "2", "1")
    out = io.StringIO()
    target = ship.roll_back(Steps(3, out=out), stage.aws, NAMES, out=out, pace=stage.pace())
    # THEN every alias serves release 1 again, the api through CodeDeploy
    assert target["commit"] == "1" * 40
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "1")
    text = out.getvalue()
    assert "serving now: api 2, report 2, migrate 2, warmer 2" in text
    assert "deployment d-1EXAMPLE: shop-qa-api:qa 2 -> 1" in text
    # AND a second rollback finds nothing older, and says so
    with pytest.raises(DeployError, match="serve the oldest recorded release"):
        ship.roll_back(Steps(3, out=io.StringIO()), stage.aws, NAMES, out=io.StringIO())


@pytest.mark.parametrize(
    ("config", "minutes"),
    [
        ("CodeDeployDefault.LambdaAllAtOnce", 0),
        ("CodeDeployDefault.LambdaCanary10Percent5Minutes", 5),
        ("CodeDeployDefault.LambdaCanary10Percent30Minutes", 30),
        ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 9),
        ("CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", 90),
    ],
)
def test_the_deploy_waits_as_long_as_the_configuration_shifts_plus_a_margin(config, minutes):
    assert canary.patience_s(config) == minutes * 60 + canary.MARGIN_S


def test_a_slow_linear_deployment_is_followed_to_its_end(stage):
    # GIVEN prod's kind of configuration at its slowest: 10% more every 10 minutes
    targets = stage.publish_all("release-2")
    stage.migration({"before": "0001", "after": "0001", "head": "0001"})
    slow = "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes"
    polls = [("InProgress", lambda: None, None)]
    for step in range(1, 10):  # one poll a minute, 10% more every ten
        polls += [("InProgress", stage.route("2", step / 10), None)] * 10
    polls.append(("Succeeded", stage.settle("2"), None))
    stage.deployment("1", "2", polls, group_config=slow)
    out = io.StringIO()
    # WHEN the deploy follows it for its 90 minutes
    roll_out(stage, targets, out)
    # THEN it waits to the end instead of giving up after an hour
    assert " 90% on version 2" in out.getvalue()
    assert ship.serving(stage.lam, NAMES)["api"] == "2"


def test_a_deployment_stuck_beyond_its_configuration_stops_the_deploy(stage):
    targets = stage.publish_all("release-2")
    stage.migration({"before": "0001", "after": "0001", "head": "0001"})
    stuck = [("InProgress", lambda: None, None)] * (canary.MARGIN_S // 60 + 2)
    stage.deployment("1", "2", stuck, group_config="CodeDeployDefault.LambdaAllAtOnce")
    with pytest.raises(DeployError, match=r"still InProgress after 1800 s") as stopped:
        roll_out(stage, targets, io.StringIO())
    assert "aws deploy get-deployment" in stopped.value.hint


def _release(version: str, commit: str, **extra) -> dict:
    versions = dict.fromkeys(ship.FUNCTIONS, version)
    return {**history.new_release("qa", versions, commit=commit, by="x", now=0), **extra}


def test_rollback_goes_to_what_served_last_never_to_a_release_rolled_back_from():
    r1, r2, r3 = _release("1", "c1"), _release("2", "c2"), _release("3", "c3")
    serving = dict.fromkeys(ship.FUNCTIONS, "3")
    assert history.rollback_target([r3, r2, r1], serving) == r2
    # r2 was left by a rollback, then r3 deployed: back to r1, which served last
    left = {**r2, "rolled_back_at": "2026-12-05T00:00:00Z"}
    assert history.rollback_target([r3, left, r1], serving) == r1
    # a deploy that published nothing new records the same versions again
    again = _release("3", "c3-config-only")
    assert history.rollback_target([again, r3, r2, r1], serving) == r2
    # a half-finished deploy (the api back on 2, the others on 3) goes to the newest
    mixed = {**serving, "api": "2"}
    assert history.rollback_target([r3, r2, r1], mixed) == r3


def test_a_rollback_after_the_next_deploy_returns_to_what_served_last(stage):
    # GIVEN release 1 recorded, release 2 deployed, recorded and rolled back
    ship.record(stage.aws, NAMES, commit="1" * 40, by="alice", keep=5, out=io.StringIO())
    shipped(stage, "2", serving="1", schema=("0001", "0002"), by="bob")
    rollback_that_succeeds(stage, "2", "1")
    out = io.StringIO()
    ship.roll_back(Steps(3, out=out), stage.aws, NAMES, out=out, pace=stage.pace())
    assert f"leaving:     commit {'2' * 12}" in out.getvalue()
    # AND release 3 deployed and recorded
    shipped(stage, "3", serving="1", schema=("0002", "0002"), by="carol")
    # WHEN release 3 is rolled back
    rollback_that_succeeds(stage, "3", "1")
    target = ship.roll_back(
        Steps(3, out=io.StringIO()), stage.aws, NAMES, out=io.StringIO(), pace=stage.pace()
    )
    # THEN the aliases go back to release 1, which served last, not to release 2
    assert target["commit"] == "1" * 40
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "1")
    recorded = history.load(stage.aws.ssm, NAMES.history)
    assert [bool(r.get("rolled_back_at")) for r in recorded] == [True, True, False]


def test_pruning_keeps_every_version_an_alias_or_the_history_points_at(stage):
    lam, name = stage.lam, NAMES.function("report")
    versions = [publish(lam, name, f"r{i}") for i in range(2, 9)]  # 2..8
    assert versions == [str(v) for v in range(2, 9)]
    # history names 3 and 5; the alias serves 6 while a canary routes to 7; 8 is the newest
    recorded = [
        history.new_release("qa", {"report": "5"}, commit="b", by="x"),
        history.new_release("qa", {"report": "3"}, commit="a", by="x"),
    ]
    lam.update_alias(
        FunctionName=name,
        Name="qa",
        FunctionVersion="6",
        RoutingConfig={"AdditionalVersionWeights": {"7": 0.1}},
    )
    deleted = history.prune(lam, {"report": name}, recorded)
    assert deleted == {"report": ["1", "2", "4"]}
    assert history.published(lam, name) == ["3", "5", "6", "7", "8"]


def test_history_keeps_the_newest_releases_and_refuses_a_silly_size(stage):
    ssm = stage.aws.ssm
    for index in range(4):
        history.record(
            ssm,
            NAMES.history,
            history.new_release("qa", {"api": str(index)}, commit="c", by="x"),
            keep=3,
        )
    assert [r["versions"]["api"] for r in history.load(ssm, NAMES.history)] == ["3", "2", "1"]
    with pytest.raises(DeployError, match="keep_releases must be 1-10"):
        history.record(ssm, NAMES.history, {}, keep=0)
