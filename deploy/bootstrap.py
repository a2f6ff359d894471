"""`make bootstrap`: what exists once per account (terraform/bootstrap/), in its own state.

The root holds the state bucket itself, so its first run cannot keep its
state there: with no bucket yet, it applies with the state on local disk (a
backend override written next to the root, never committed), then `terraform
init -migrate-state` moves that state into the bucket it has just created
(key bootstrap/terraform.tfstate) and the local copy is removed. Every later
run finds the bucket and works from it. terraform/backend.hcl, which the
stages read, is written from the root's output when it does not exist yet.

Drives Terraform only; the rehearsal (deploy/rehearsal_bootstrap.py) runs the
same `converge` against moto.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from python_terraform import IsFlagged, Terraform

from deploy.steps import DeployError, Steps
from deploy.terraform import PLANS, ROOT, TF_DIR, Stack, change_counts

BOOTSTRAP_DIR = TF_DIR / "bootstrap"
ACCOUNT_TFVARS = BOOTSTRAP_DIR / "account.tfvars"
LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'
LOCAL_OVERRIDE = "bootstrap_local_backend_override.tf"


def account_settings(tfvars: Path) -> dict[str, str]:
    """account_id, region and state_bucket from the account's tfvars; DeployError if absent."""
    text = tfvars.read_text() if tfvars.exists() else ""
    found = {}
    for key in ("account_id", "region", "state_bucket"):
        match = re.search(rf'^\s*{key}\s*=\s*"([^"]+)"', text, re.MULTILINE)
        if not match:
            raise DeployError(
                f"{tfvars} sets no {key}",
                hint="fill in terraform/bootstrap/account.tfvars (docs/terraform.md, "
                "'Bootstrap an account')",
            )
        found[key] = match.group(1)
    return found


class BootstrapStack(Stack):
    """terraform/bootstrap/ (or a scratch copy of it) in the default workspace."""

    def __init__(self, workdir: Path, var_file: Path, *, variables: dict | None = None):
        self.stage = "bootstrap"
        self.mode = "bootstrap"
        self.workdir = workdir
        self.overrides = ()
        self.var_file = var_file
        self.variables = variables or {}
        self.plan_file = PLANS / "bootstrap.tfplan"
        self.tf = Terraform(working_dir=str(workdir))
        os.environ.pop("TF_WORKSPACE", None)

    def _hint(self, command: str, detail: str) -> str:
        if command == "init" and "bucket" in detail.lower():
            return "check state_bucket in terraform/bootstrap/account.tfvars and your credentials"
        return super()._hint(command, detail)

    def init_local(self) -> None:
        """State on local disk (first run, before the bucket exists)."""
        (self.workdir / LOCAL_OVERRIDE).write_text(LOCAL_BACKEND)
        self._run("init", input=False, reconfigure=IsFlagged)

    def init_bucket(self, backend_file: Path, *, migrate: bool = False) -> None:
        """State in the bucket; `migrate` moves the local state there first."""
        (self.workdir / LOCAL_OVERRIDE).unlink(missing_ok=True)
        flag = {"migrate_state": IsFlagged, "force_copy": IsFlagged} if migrate else {}
        self._run(
            "init",
            input=False,
            backend_config=str(backend_file),
            **(flag or {"reconfigure": IsFlagged}),
        )
        if migrate:
            for leftover in ("terraform.tfstate", "terraform.tfstate.backup"):
                (self.workdir / leftover).unlink(missing_ok=True)

    def plan(self, *, destroy: bool = False, refresh: bool = True) -> dict:
        PLANS.mkdir(parents=True, exist_ok=True)
        self._run(
            "plan",
            input=False,
            var_file=str(self.var_file),
            var=self.variables or None,
            out=str(self.plan_file),
            destroy=IsFlagged if destroy else None,
            refresh=refresh,
        )
        return self.show()

    def apply(self) -> None:
        self._run("apply", str(self.plan_file), input=False, auto_approve=IsFlagged)


def converge(steps: Steps, stack: BootstrapStack, backend_file: Path, *, bucket_exists: bool):
    """Init (local state on a first run), plan, apply, move a local state into the bucket.

    Returns (plan JSON, outputs).
    """
    where = "the state bucket" if bucket_exists else "local state: the bucket does not exist yet"
    with steps.step(f"terraform init of terraform/bootstrap ({where})"):
        if bucket_exists:
            stack.init_bucket(backend_file)
        else:
            stack.init_local()
    with steps.step("terraform plan with the account's tfvars"):
        planned = stack.plan()
        counts = change_counts(planned)
        print("    " + ", ".join(f"{n} to {k}" for k, n in counts.items()))
    with steps.step("terraform apply"):
        stack.apply()
        outputs = stack.outputs()
    if not bucket_exists:
        with steps.step("move the state into the bucket (bootstrap/terraform.tfstate)"):
            stack.init_bucket(backend_file, migrate=True)
    return planned, outputs


def bootstrap(args) -> None:
    """`make bootstrap`: converge the account, write terraform/backend.hcl, print the CI roles."""
    from deploy import release
    from deploy.__main__ import session_for

    tfvars = Path(args.var_file) if args.var_file else ACCOUNT_TFVARS
    account = account_settings(tfvars)
    steps = Steps(5)
    with steps.step("preflight: credentials of the account in terraform/bootstrap/account.tfvars"):
        session = session_for(f'region = "{account["region"]}"')
        identity = release.check_credentials(session)
        if identity["Account"] != account["account_id"]:
            raise DeployError(
                f"the credentials are for account {identity['Account']}, "
                f"{tfvars.name} is for {account['account_id']}; nothing was changed",
                hint="use credentials of that account, or fix account_id",
            )
        bucket_exists = state_bucket_exists(session, account["state_bucket"])
        print(f"    account {identity['Account']}, bucket exists: {bucket_exists}")
    steps.total = 4 if bucket_exists else 5
    backend_file = ROOT / "build" / "bootstrap.backend.hcl"
    backend_file.parent.mkdir(parents=True, exist_ok=True)
    backend_file.write_text(
        f'bucket = "{account["state_bucket"]}"\nregion = "{account["region"]}"\n'
    )
    stack = BootstrapStack(BOOTSTRAP_DIR, tfvars)
    _, outputs = converge(steps, stack, backend_file, bucket_exists=bucket_exists)
    stages_backend = TF_DIR / "backend.hcl"
    if not stages_backend.exists():
        stages_backend.write_text(outputs["backend_config"])
        print(f"    wrote {stages_backend.relative_to(ROOT)} for the stages")
    print(f"\nAPI Gateway logging role: {outputs['apigateway_cloudwatch_role_arn']}")
    print(f"CI plan role:             {outputs['ci_plan_role_arn']}")
    for stage, arn in outputs["ci_apply_role_arns"].items():
        print(f"CI apply role ({stage}):{' ' * (10 - len(stage))}{arn}")


def state_bucket_exists(session, bucket: str) -> bool:
    """True when the bucket is there and ours to use; DeployError when another account owns it."""
    from botocore.exceptions import ClientError

    try:
        session.client("s3").head_bucket(Bucket=bucket)
        return True
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise DeployError(
            f"the state bucket {bucket} exists but cannot be used ({code})",
            hint="bucket names are global: pick another state_bucket in "
            "terraform/bootstrap/account.tfvars",
        ) from exc
