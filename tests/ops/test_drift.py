"""`make drift`: a real refresh-only plan through deploy.terraform.Stack, against
a moto server, summarised for a person.

A one-resource root (the stage's config parameter) is applied to moto; the
parameter is then changed behind Terraform's back, as someone in the
console would.
"""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
from python_terraform import Terraform

from deploy import drift
from deploy.steps import Steps
from deploy.terraform import Stack, find_mirror, write_cli_config

ROOT = Path(__file__).resolve().parents[2]

MAIN = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "manifest_path" {
  description = "Passed by Stack.plan to every non-aws root; unused here."
  type        = string
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ssm = "ENDPOINT"
  }
}

resource "aws_ssm_parameter" "config" {
  name  = "/shop/dev/config"
  type  = "String"
  value = jsonencode({ log_level = "INFO" })
}
"""


@pytest.fixture
def applied(moto_server, tmp_path, monkeypatch):
    if find_mirror() is None and not shutil.which("terraform"):
        pytest.skip("terraform is not installed")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(MAIN.replace("ENDPOINT", moto_server))
    shutil.copy2(ROOT / "terraform" / ".terraform.lock.hcl", root / ".terraform.lock.hcl")
    config = write_cli_config(tmp_path)
    if config:
        monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
    monkeypatch.setenv("TF_IN_AUTOMATION", "1")
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    stack = Stack("dev", mode="drift-test")  # sets TF_WORKSPACE=dev
    stack.workdir, stack.tf = root, Terraform(working_dir=str(root))
    stack.plan_file = tmp_path / "dev.drift.tfplan"
    env = {**os.environ}
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-var=manifest_path=x"]):
        done = subprocess.run(
            ["terraform", *args], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    ssm = boto3.client(
        "ssm",
        endpoint_url=moto_server,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return stack, ssm


@pytest.mark.infra
@pytest.mark.timeout(900)  # four terraform runs; slow when the machine is shared
def test_drift_is_reported_when_the_live_stage_changes_behind_terraform(applied):
    stack, ssm = applied
    # GIVEN a stage just applied: nothing drifted, and the command would exit 0
    out = io.StringIO()
    assert drift.check(stack, Steps(1, out=out), out=out) == 0
    assert out.getvalue().splitlines()[-1] == "no drift: the live stage matches the Terraform state"
    # WHEN someone edits the parameter in the console
    ssm.put_parameter(
        Name="/shop/dev/config",
        Value=json.dumps({"log_level": "DEBUG"}),
        Type="String",
        Overwrite=True,
    )
    out = io.StringIO()
    code = drift.check(stack, Steps(1, out=out), out=out)
    # THEN the command exits 2, and its summary names the resource and what changed
    assert code == 2
    printed = out.getvalue()
    lines = printed[printed.index("drift: ") :].splitlines()
    assert lines[0] == "drift: 1 resource differs from the state"
    assert lines[1].startswith("  ~ aws_ssm_parameter.config: changed outside Terraform [")
    assert "value" in lines[1] and "version" in lines[1]
    assert lines[-1].startswith("next: ")


def test_a_deleted_resource_reads_as_deleted():
    plan = {
        "resource_drift": [
            {
                "address": "module.config.aws_ssm_parameter.this",
                "change": {"actions": ["delete"], "before": {"value": "x"}, "after": None},
            },
            {  # only null-versus-empty: no drift
                "address": "aws_s3_bucket.site",
                "change": {"actions": ["update"], "before": {"tags": None}, "after": {"tags": {}}},
            },
        ]
    }
    summary = drift.summarise(plan)
    assert summary.drifted
    assert summary.text.splitlines()[:2] == [
        "drift: 1 resource differs from the state",
        "  ~ module.config.aws_ssm_parameter.this: deleted outside Terraform",
    ]
