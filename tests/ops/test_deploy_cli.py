"""The deploy commands, as engineers run them: clear refusals before anything
changes, a real offline plan, and rollback/logs against a moto server."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "deploy", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


NO_CREDENTIALS = {
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def test_unknown_env_is_refused_with_the_choices():
    result = run("deploy", "--env", "staging")
    assert result.returncode == 1
    assert "error: unknown ENV 'staging'" in result.stderr
    assert "next:  use one of: dev, qa, prod" in result.stderr
    assert "==> [" not in result.stdout  # not a single step ran


def test_missing_state_bucket_config_is_explained(tmp_path):
    result = run(
        "deploy", "--env", "qa", env={"SHOP_TF_BACKEND_CONFIG": str(tmp_path / "none.hcl")}
    )
    assert result.returncode == 1
    assert "the state bucket is not configured" in result.stderr
    assert "backend.hcl.example" in result.stderr


def test_missing_credentials_stop_the_deploy_before_anything_changes(tmp_path):
    backend = tmp_path / "backend.hcl"
    backend.write_text('bucket = "x"\nregion = "eu-west-1"\n')
    result = run(
        "deploy", "--env", "qa", env={**NO_CREDENTIALS, "SHOP_TF_BACKEND_CONFIG": str(backend)}
    )
    assert result.returncode == 1
    assert "no usable AWS credentials" in result.stderr and "nothing was changed" in result.stderr
    assert "AWS_PROFILE" in result.stderr
    assert "terraform" not in result.stdout  # neither init nor plan ran


@pytest.fixture
def aws_env(moto_server):
    import requests

    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    return {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def client(aws_env, service):
    return boto3.client(
        service,
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_prod_deploy_needs_the_database_ca_bundle_in_the_package(aws_env, tmp_path):
    backend = tmp_path / "backend.hcl"
    backend.write_text('bucket = "x"\nregion = "eu-west-1"\n')
    bundle = ROOT / "functions/shop/certs/rds-global-bundle.pem"
    if bundle.exists():
        pytest.skip("the RDS CA bundle is present in this checkout")
    result = run("deploy", "--env", "prod", env={**aws_env, "SHOP_TF_BACKEND_CONFIG": str(backend)})
    assert result.returncode == 1
    assert "shop/certs/rds-global-bundle.pem is not in the package" in result.stderr
    assert "make rds-ca" in result.stderr


@pytest.mark.parametrize("command", ["drift", "destroy"])
def test_drift_and_destroy_build_before_terraform_reads_the_manifest(aws_env, tmp_path, command):
    """GIVEN credentials that work and a state bucket that does not exist (on
    moto), WHEN a command that plans runs, THEN the packages are built before
    terraform init: the root reads build/manifest.json to plan at all, and a
    fresh checkout (CI's nightly drift job) holds none."""
    backend = tmp_path / "backend.hcl"
    backend.write_text(
        'bucket = "no-such-state-bucket"\nregion = "eu-west-1"\n'
        f'endpoints = {{ s3 = "{aws_env["AWS_ENDPOINT_URL"]}" }}\nuse_path_style = true\n'
        "skip_credentials_validation = true\nskip_requesting_account_id = true\n"
        "skip_metadata_api_check = true\n"
    )
    env = {
        **aws_env,
        "SHOP_TF_BACKEND_CONFIG": str(backend),
        "TF_DATA_DIR": str(tmp_path / "tf-data"),  # leave terraform/.terraform alone
    }
    confirm = ["--yes"] if command == "destroy" else []
    result = run(command, "--env", "dev", *confirm, env=env)
    out = result.stdout
    assert "build the Lambda packages (build.py)" in out, out + result.stderr
    assert out.index("build the Lambda packages") < out.index("terraform init")
    assert "manifest" in out and "no file exists" not in result.stderr
    # the missing bucket stops it at init or the workspace, before any plan
    assert result.returncode == 1 and "terraform plan" not in out


def _function_with_versions(aws_env, name: str, alias: str, versions: int):
    iam = client(aws_env, "iam")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = client(aws_env, "lambda")
    for i in range(versions):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("handler.py", f"def handler(e, c):\n    return {i}\n")
        if i == 0:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="handler.handler",
                Code={"ZipFile": buffer.getvalue()},
            )
        else:
            lam.update_function_code(FunctionName=name, ZipFile=buffer.getvalue())
        version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    return lam


def test_releases_lists_the_history_and_marks_what_serves(aws_env):
    from deploy import history

    names = [f"shop-qa-{fn}" for fn in ("api", "report", "migrate", "warmer")]
    lam = None
    for name in names:
        lam = _function_with_versions(aws_env, name, "qa", versions=2)
    ssm = client(aws_env, "ssm")
    for version, commit, by, now in (("1", "a" * 40, "alice", 0), ("2", "b" * 40, "bob", 86400)):
        versions = dict.fromkeys(("api", "report", "migrate", "warmer"), version)
        release = history.new_release("qa", versions, commit=commit, by=by, now=now)
        history.record(ssm, "/shop/qa/releases", release, keep=5)
    result = run("releases", "--env", "qa", env=aws_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("  * 1970-01-02T00:00:00Z  commit bbbbbbbbbbbb  by bob")
    assert lines[2].startswith("    1970-01-01T00:00:00Z  commit aaaaaaaaaaaa  by alice")
    assert lam.get_alias(FunctionName="shop-qa-api", Name="qa")["FunctionVersion"] == "2"


def test_releases_before_the_first_release_says_so(aws_env):
    result = run("releases", "--env", "dev", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert "no release recorded for dev yet (/shop/dev/releases)" in result.stdout


def test_logs_prints_the_functions_recent_lines(aws_env):
    import time

    logs = client(aws_env, "logs")
    group = "/aws/lambda/shop-dev-report"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    now = int(time.time() * 1000)
    lines = [json.dumps({"level": "INFO", "message": f"line {i}"}) for i in range(3)]
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)],
    )
    result = run("logs", "--env", "dev", "--fn", "report", env=aws_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"message": "line') == 3
    assert group in result.stdout


@pytest.fixture(scope="module")
def offline_dev_plan():
    return run("plan", "--env", "dev", "--offline", timeout=600)


@pytest.mark.infra
def test_offline_plan_reports_each_step_and_writes_the_plan_json(offline_dev_plan):
    result = offline_dev_plan
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    for step in (
        "[1/5] build",
        "[2/5] terraform init",
        "[3/5] terraform plan",
        "[4/5] summarise",
        "[5/5] review the plan",
    ):
        assert step in result.stdout
    assert result.stdout.count("done in") == 5
    assert "review: 19 checks, 0 failed" in result.stdout
    plan = json.loads((ROOT / "build/plans/dev.offline.json").read_text())
    functions = [c for c in plan["resource_changes"] if c["type"] == "aws_lambda_function"]
    assert {c["change"]["after"]["function_name"] for c in functions} == {
        "shop-dev-api",
        "shop-dev-report",
        "shop-dev-migrate",
        "shop-dev-warmer",
        "shop-dev-pretraffic",
    }


@pytest.mark.infra
def test_the_pull_request_comment_is_rendered_from_the_real_plan(offline_dev_plan, tmp_path):
    from deploy import comment
    from deploy.terraform import change_counts

    assert offline_dev_plan.returncode == 0, offline_dev_plan.stderr
    plans = tmp_path / "plans"
    plans.mkdir()
    real = ROOT / "build/plans/dev.offline.json"
    (plans / "dev.offline.json").write_bytes(real.read_bytes())  # qa and prod: no plan
    out = tmp_path / "comment.md"
    body = comment.write(out, commit="0123456789abcdef", run_url="https://ci/run/1", plans=plans)
    counts = change_counts(json.loads(real.read_text()))
    lines = body.splitlines()
    assert lines[0] == comment.MARKER  # the workflow finds its own comment by it
    row = (
        f"| dev | {counts['create']} | {counts['update']} | {counts['replace']} "
        f"| {counts['destroy']} | ✅ review: "
    )
    assert row in body and re.search(r"✅ review: \d+ checks, 0 failed", body)
    assert "| qa | – | – | – | – | no plan: it failed, see the job log |" in body
    assert "<details><summary>dev: review</summary>" in body
    assert "## Terraform plan review: dev" in body  # the review itself, folded
    assert out.read_text() == body and len(body) < comment.LIMIT
    # AND the command the workflow runs writes that body from build/plans/
    command_out = tmp_path / "from-the-command.md"
    ran = run(
        "pr-comment",
        "--commit",
        "0123456789abcdef",
        "--run-url",
        "https://ci/run/1",
        "--out",
        str(command_out),
    )
    assert ran.returncode == 0, ran.stderr
    written = command_out.read_text()
    assert f"==> {command_out} ({len(written)} characters)" in ran.stdout
    assert written.splitlines()[0] == comment.MARKER
    assert row in written and "([run](https://ci/run/1))" in written
    assert "<details><summary>dev: review</summary>" in written


def test_a_huge_review_is_cut_to_fit_one_comment():
    from deploy import comment

    class Report:
        ok = False
        summary = "review: 16 checks, 1 failed"
        markdown = "finding\n" * 20_000

    counts = {"create": 1, "update": 0, "replace": 0, "destroy": 0}
    body = comment.render(dict.fromkeys(comment.STAGES, (counts, Report())), commit="c" * 40)
    assert len(body) <= comment.LIMIT
    assert body.count("cut to fit a comment") == 3
    assert body.count("❌ review: 16 checks, 1 failed") == 3
