"""What the stage root's S3 backend asks of the state bucket, recorded.

CI's deploy and drift jobs run deploy.terraform.Stack.init() in a fresh
checkout: `terraform init -reconfigure -backend-config=...` (in the default
workspace), then `terraform workspace select -or-create <stage>`. Here that
same code runs against moto's S3 on 127.0.0.1 with the root's own backend
block, and each request in moto's log becomes the IAM action and ARN S3
authorises it on, for tests/infra/test_plan_bootstrap.py to ask of the CI
roles. A request this module cannot name an action for fails the recording.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, unquote

import boto3
import pytest
from python_terraform import Terraform as PythonTerraform

from deploy.rehearsal import MotoServer
from deploy.rehearsal_bootstrap import backend_file
from deploy.terraform import Stack

from .conftest import COPY_IGNORE, REPO, TERRAFORM_DIR
from .iam_policy import Request

REGION = "eu-west-1"
# werkzeug's request line, coloured by status on some lines.
LINE = re.compile(r'"(?:\x1b\[[\d;]*m)*(GET|HEAD|PUT|POST|DELETE) (/\S*) HTTP/1\.1')
OBJECT_ACTIONS = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject"}
OBJECT_ACTIONS["DELETE"] = "s3:DeleteObject"


def to_request(method: str, target: str) -> Request:
    """The action and ARN IAM authorises one S3 request (path style) on.

    Raises ValueError for a request not mapped here.
    """
    path, _, query = target.partition("?")
    params = parse_qs(query, keep_blank_values=True)
    params.pop("x-id", None)  # the SDK's name of the operation, not a sub-resource
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not key and method in ("GET", "HEAD") and set(params) <= {"list-type", "max-keys", "prefix"}:
        return Request("s3:ListBucket", f"arn:aws:s3:::{bucket}")
    if key and not params and method in OBJECT_ACTIONS:
        return Request(OBJECT_ACTIONS[method], f"arn:aws:s3:::{bucket}/{key}")
    raise ValueError(f"{method} {target}: name the IAM action S3 authorises it with")


class StateBucket:
    """A state bucket on moto and a copy of the stage root whose backend points at it."""

    def __init__(self, base: Path, cli_config: Path | None, bucket: str):
        self.base, self.cli_config, self.bucket = base, cli_config, bucket
        self._jobs = 0

    def __enter__(self) -> StateBucket:
        shutil.copytree(TERRAFORM_DIR, self.base / "terraform", ignore=COPY_IGNORE)
        shutil.copytree(REPO / "api", self.base / "api")
        self._moto = MotoServer(self.base / "moto.log").__enter__()
        boto3.client(
            "s3",
            endpoint_url=self._moto.endpoint,
            region_name=REGION,
            aws_access_key_id="rehearsal",
            aws_secret_access_key="rehearsal-not-a-secret",
        ).create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        account = {"state_bucket": self.bucket, "region": REGION}
        self.backend = backend_file(self.base / "backend.hcl", account, self._moto.endpoint)
        return self

    def __exit__(self, *exc) -> None:
        self._moto.__exit__(*exc)

    def _log(self) -> str:
        return (self.base / "moto.log").read_text(errors="replace")

    def init(self, stage: str) -> list[Request]:
        """Run Stack.init() for the stage as a fresh checkout would; return the requests it made."""
        self._jobs += 1
        env = {
            "SHOP_TF_BACKEND_CONFIG": str(self.backend),
            "TF_DATA_DIR": str(self.base / f"job-{self._jobs}" / ".terraform"),
            "TF_PLUGIN_CACHE_DIR": str(self.base / "plugin-cache"),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        if self.cli_config is not None:
            env["TF_CLI_CONFIG_FILE"] = str(self.cli_config)
        (self.base / "plugin-cache").mkdir(exist_ok=True)
        stack = Stack(stage)
        stack.workdir = self.base / "terraform"
        stack.tf = PythonTerraform(working_dir=str(stack.workdir))
        before = len(self._log())
        with pytest.MonkeyPatch.context() as patch:
            for name in [n for n in os.environ if n.startswith(("AWS_", "TF_"))]:
                patch.delenv(name)
            for name, value in env.items():
                patch.setenv(name, value)
            stack.init()
        lines = self._log()[before:].splitlines()
        found = [LINE.search(line) for line in lines]
        return [to_request(m[1], m[2]) for m in found if m and not m[2].startswith("/moto-api")]
