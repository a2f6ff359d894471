"""What `make deploy ENV=qa` and `make rollback ENV=qa` print, as docs/terraform.md shows it.

The deploy's steps after the apply (deploy.__main__.release_applied, the
code `make deploy` runs) and the rollback command's (roll_back_stage) run
against the stage of support/releasestage.py (moto, and the Stubber for
CodeDeploy's answers and the migrate invocation) plus a site bucket and a
CloudFront distribution in moto and a local server answering the smoke
test. Durations are the test's clock: one CodeDeploy poll a simulated
minute. Each output must equal its block in docs/terraform.md (after the
block's `$ make ...` line, and for a deploy the `...` standing for steps
1-6, preflight to apply), so the page shows what the code prints.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy import history, ship
from deploy.__main__ import APPLY_STEP, DEPLOY_STEPS, explain, release_applied, roll_back_stage
from deploy.steps import DeployError, Steps
from local.events import HttpRequest
from local.httpd import Server
from local.responses import Reply, json_reply
from support.releasestage import (
    NAMES,
    REGION,
    canary_that_succeeds,
    rollback_that_succeeds,
    shipped,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "terraform.md"
OUT = ROOT / "build" / "release-transcripts"
# What a real stage's outputs name; the test's own stand in for them.
API_URL = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/qa"
SITE_URL = "https://d1a2b3c4d5e6f7.cloudfront.net"
BUCKET = "shop-qa-site-20261205063000000000000001"
NOW = 1_796_450_000  # 2026-12-05T05:53:20Z: when the new release is recorded
DAY = 86_400
ROLE = "shop-ci-apply-qa/shop-deploy-qa"  # the session CI's deploy job assumes


@contextmanager
def health_server(stage: str):
    """GET /<stage>/v1/health answered as the api answers it (shop/routes.py)."""

    def app(request: HttpRequest) -> Reply:
        if request.path == f"/{stage}/v1/health":
            return json_reply(200, {"status": "ok", "database": "ok", "stage": stage})
        return json_reply(404, {})

    server = Server(app, port=0)
    server.start()
    try:
        yield f"{server.url}/{stage}"
    finally:
        server.stop()


def site(stage) -> str:
    """The stage's site bucket and CloudFront distribution in moto; return the distribution's id."""
    stage.session.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    config = {
        "CallerReference": "site",
        "Comment": "shop-qa site",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site",
                    "DomainName": f"{BUCKET}.s3.{REGION}.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    cloudfront = stage.session.client("cloudfront")
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


@pytest.fixture
def web(tmp_path) -> Path:
    """A small storefront: the real web/ changes with the storefront, the page shows a fixed one."""
    folder = tmp_path / "web"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>shop</title>")
    (folder / "assets" / "app.js").write_text("export {};")
    (folder / "assets" / "app.css").write_text("body{}")
    return folder


def outputs(targets: dict, api_url: str, distribution: str) -> dict:
    """What `terraform output` gives the deploy after the apply (terraform/outputs.tf)."""
    return {
        "functions": {fn: {"version": v} for fn, v in targets.items()},
        "release": {"keep_releases": 5},
        "site_bucket": BUCKET,
        "site_distribution_id": distribution,
        "api_base_url": api_url,
        "site_url": SITE_URL,
    }


def after_the_apply(stage, out) -> Steps:
    """make deploy's steps, as they stand when the apply (step APPLY_STEP) is done."""
    steps = Steps(DEPLOY_STEPS, out=out, clock=lambda: stage.clock[0])
    steps.done = APPLY_STEP
    return steps


def documented(name: str) -> str:
    """The code block below `<!-- transcript:NAME -->`, without its `$ make ...` line
    and, for a deploy, the `...` line standing for steps 1-6."""
    text = DOC.read_text()
    found = re.search(rf"<!-- transcript:{name} -->\n```\n\$ make [^\n]+\n(.*?)```\n", text, re.S)
    assert found, f"docs/terraform.md has no <!-- transcript:{name} --> block"
    return found.group(1).removeprefix("...\n")


def check_page(name: str, printed: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.txt").write_text(printed)
    assert documented(name) == printed, (
        f"docs/terraform.md's transcript:{name} block differs from what the code prints: "
        f"replace its lines after the command (and `...`) with build/release-transcripts/{name}.txt"
    )


def test_make_deploy_from_the_apply_to_a_finished_canary(stage, web):
    # GIVEN release 1 recorded and serving, and release 2 published by the apply
    ship.record(
        stage.aws, NAMES, commit="1" * 40, by="alice", keep=5, out=io.StringIO(), now=NOW - DAY
    )
    targets = stage.publish_all("release-2")
    stage.migration({"action": "upgrade", "before": "0001", "after": "0002", "head": "0002"})
    canary_that_succeeds(stage, "1", "2")
    distribution = site(stage)
    out = io.StringIO()
    # WHEN make deploy goes on after the apply
    with health_server("qa") as api_url:
        entry = release_applied(
            after_the_apply(stage, out),
            stage.session,
            stage.aws,
            NAMES,
            outputs(targets, api_url, distribution),
            commit="5e1c4ec9a0d2b7f4c8e1d3a6b9f0c2e4d7a8b1c3",
            by=f"arn:aws:sts::123456789012:assumed-role/{ROLE} (github: alice)",
            out=out,
            pace=stage.pace(),
            now=NOW,
            web=web,
        )
        printed = out.getvalue().replace(api_url, API_URL)
    # THEN every alias serves release 2, recorded, with the steps numbered as make deploy's
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "2")
    assert history.load(stage.aws.ssm, NAMES.history)[0] == entry
    assert printed.startswith(f"==> [{APPLY_STEP + 1}/{DEPLOY_STEPS}] migrate")
    assert f"==> [{DEPLOY_STEPS}/{DEPLOY_STEPS}] record the release" in printed
    assert "4 files to s3://" in printed  # web/'s three files and openapi.json
    assert printed.endswith(f"\nAPI:        {API_URL}/v1/\nStorefront: {SITE_URL}\n")
    assert "Succeeded  100% on version 2" in printed
    invalidations = stage.session.client("cloudfront").list_invalidations(
        DistributionId=distribution
    )
    assert invalidations["InvalidationList"]["Quantity"] == 1
    check_page("release", printed)


def test_make_deploy_whose_canary_fires_an_alarm(stage):
    targets = stage.publish_all("release-2")
    stage.migration({"action": "upgrade", "before": "0001", "after": "0001", "head": "0001"})
    stage.canary_stopped_by_alarm("1", "2")
    out = io.StringIO()
    with pytest.raises(DeployError) as failed:
        release_applied(
            after_the_apply(stage, out),
            stage.session,
            stage.aws,
            NAMES,
            outputs(targets, "http://127.0.0.1:9/qa", "E0000000000000"),
            commit="c" * 40,
            by="alice",
            out=out,
            pace=stage.pace(),
        )
    explain(failed.value, err=out)  # what the command prints as it exits 1
    assert ship.serving(stage.lam, NAMES)["api"] == "1"
    check_page("canary-rolled-back", out.getvalue())


def test_make_rollback(stage):
    # GIVEN release 1 and then release 2 recorded, release 2 serving
    ship.record(
        stage.aws, NAMES, commit="1" * 40, by="alice", keep=5, out=io.StringIO(), now=NOW - DAY
    )
    shipped(stage, "2", serving="1", schema=("0001", "0002"), by="bob", now=NOW)
    rollback_that_succeeds(stage, "2", "1")
    out = io.StringIO()
    # WHEN make rollback runs
    target = roll_back_stage(stage.aws, NAMES, out=out, pace=stage.pace())
    # THEN every alias serves release 1 again, and the command says so
    assert target["commit"] == "1" * 40
    assert ship.serving(stage.lam, NAMES) == dict.fromkeys(ship.FUNCTIONS, "1")
    assert out.getvalue().endswith("the next make deploy rolls forward.\n")
    check_page("rollback", out.getvalue())
