"""The bootstrap rehearsal: `make bootstrap`'s own flow against a local moto.

`python -m deploy rehearse --env bootstrap` (`make rehearse ENV=bootstrap`)
runs deploy.bootstrap.converge on a scratch copy of terraform/bootstrap/
with the provider endpoints of terraform/rehearsal/ (moto on 127.0.0.1):

1. applies with local state (no bucket yet), then moves the state into the
   bucket it created, through a real S3 backend pointed at moto;
2. plans again from the bucket: no change at all;
3. reads back the account with boto3 and runs `make deploy`'s preflight
   (deploy/preflight.py), which must pass;
4. moves the state back to local disk, empties the bucket, destroys, and
   checks that nothing is left and that the preflight now refuses.

What moto cannot show (IAM evaluation, GitHub's tokens): docs/infra-verification.md.
"""

from __future__ import annotations

import json
import os
import shutil
import time

from deploy import preflight
from deploy.bootstrap import (
    ACCOUNT_TFVARS,
    BOOTSTRAP_DIR,
    BootstrapStack,
    account_settings,
    converge,
)
from deploy.readback import Aws, Facts
from deploy.rehearsal import REHEARSAL_DIR, MotoServer, changes, expect
from deploy.steps import DeployError, Steps
from deploy.terraform import ROOT


class MotoSession:
    """What deploy.preflight needs of a boto3 session, with clients on moto."""

    def __init__(self, aws: Aws):
        self.aws, self.region_name = aws, aws.region

    def client(self, service: str):
        return getattr(self.aws, service)


def backend_file(path, account: dict, endpoint: str):
    path.write_text(
        f'bucket = "{account["state_bucket"]}"\n'
        f'region = "{account["region"]}"\n'
        f'endpoints = {{ s3 = "{endpoint}" }}\n'
        "use_path_style = true\n"
        'access_key = "rehearsal"\n'
        'secret_key = "rehearsal-not-a-secret"\n'
        "skip_credentials_validation = true\n"
        "skip_requesting_account_id = true\n"
        "skip_metadata_api_check = true\n"
        "skip_region_validation = true\n"
    )
    return path


def prepare(workdir):
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(
        BOOTSTRAP_DIR,
        workdir,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*_override.tf"),
    )
    for name in ("provider_override.tf", "rehearsal.tf"):
        shutil.copy2(REHEARSAL_DIR / name, workdir / name)
    for override in (REHEARSAL_DIR / "bootstrap").glob("*.tf"):
        shutil.copy2(override, workdir / override.name)


def check_account(aws: Aws, account: dict, outputs: dict, stages: list[str]) -> list[dict]:
    """The account as terraform/bootstrap/ describes it, read back with boto3."""
    facts, bucket = Facts(), account["state_bucket"]
    s3 = aws.s3
    facts.equal(
        "state bucket versioning", s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled"
    )
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    facts.equal(
        "state bucket encryption",
        rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256",
    )
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    facts.equal("state bucket public access blocked", sorted(block.values()), [True] * 4)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    facts.equal("bootstrap state in the bucket", keys, ["bootstrap/terraform.tfstate"])
    role_arn = aws.apigateway.get_account().get("cloudwatchRoleArn")
    facts.equal(
        "API Gateway account logging role", role_arn, outputs["apigateway_cloudwatch_role_arn"]
    )
    trust = aws.iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"][
        "AssumeRolePolicyDocument"
    ]
    facts.equal(
        "logging role trusted by",
        [s["Principal"] for s in trust["Statement"]],
        [{"Service": "apigateway.amazonaws.com"}],
    )
    provider = aws.iam.get_open_id_connect_provider(
        OpenIDConnectProviderArn=outputs["github_oidc_provider_arn"]
    )
    facts.equal("GitHub OIDC provider audience", provider["ClientIDList"], ["sts.amazonaws.com"])
    subjects = {}
    for name, arn in [
        ("plan", outputs["ci_plan_role_arn"]),
        *outputs["ci_apply_role_arns"].items(),
    ]:
        role = aws.iam.get_role(RoleName=arn.rsplit("/", 1)[1])["Role"]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        conditions = {k: v for test in statement["Condition"].values() for k, v in test.items()}
        subjects[name] = conditions["token.actions.githubusercontent.com:sub"]
    repo = subjects["plan"].split(":")[1]
    facts.equal(
        "CI roles' GitHub subjects",
        subjects,
        {"plan": f"repo:{repo}:*", **{s: f"repo:{repo}:environment:{s}" for s in stages}},
    )
    for stage in stages:
        name = outputs["ci_apply_role_arns"][stage].rsplit("/", 1)[1]
        document = aws.iam.get_role_policy(RoleName=name, PolicyName=f"deploy-{stage}")[
            "PolicyDocument"
        ]
        sids = {s["Sid"]: s for s in document["Statement"]}
        facts.equal(
            f"{name} may not change the account setting",
            sids["NoAccountSettings"]["Effect"],
            "Deny",
        )
    facts.equal(
        "make deploy's preflight", preflight.check_api_gateway_logging(MotoSession(aws)), role_arn
    )
    return facts.done()


def empty_bucket(aws: Aws, bucket: str) -> int:
    """Delete every object version and delete marker; return how many."""
    listed = aws.s3.list_object_versions(Bucket=bucket)
    doomed = [
        {"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
    ]
    if doomed:
        aws.s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})
    return len(doomed)


def check_destroyed(aws: Aws, account: dict, outputs: dict) -> list[dict]:
    facts = Facts()
    buckets = [b["Name"] for b in aws.s3.list_buckets()["Buckets"]]
    facts.equal("state bucket left", account["state_bucket"] in buckets, False)
    roles = [r["RoleName"] for r in aws.iam.list_roles()["Roles"]]
    ours = [
        outputs["apigateway_cloudwatch_role_arn"],
        outputs["ci_plan_role_arn"],
        *outputs["ci_apply_role_arns"].values(),
    ]
    facts.equal("roles left", [a for a in ours if a.rsplit("/", 1)[1] in roles], [])
    try:
        preflight.check_api_gateway_logging(MotoSession(aws))
        refused = ""
    except DeployError as exc:
        refused = exc.hint
    facts.equal(
        "make deploy's preflight sends to make bootstrap", "make bootstrap" in refused, True
    )
    return facts.done()


def rehearse_bootstrap(args) -> None:
    """Run every step; write build/tf-rehearsal/bootstrap/report.json."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    # The plan role attaches AWS's ReadOnlyAccess, which moto only knows
    # when it loads the managed policies (its server inherits this setting).
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    base = ROOT / "build" / "tf-rehearsal" / "bootstrap"
    account = account_settings(ACCOUNT_TFVARS)
    report: dict = {"stage": "bootstrap", "seconds": {}, "checks": []}
    steps = Steps(8)
    started = time.monotonic()
    with MotoServer(base / "moto.log") as moto:
        workdir = base / "terraform"
        prepare(workdir)
        stack = BootstrapStack(
            workdir, ACCOUNT_TFVARS, variables={"rehearsal_endpoint": moto.endpoint}
        )
        backend = backend_file(base / "backend.hcl", account, moto.endpoint)
        t0 = time.monotonic()
        planned, outputs = converge(steps, stack, backend, bucket_exists=False)
        report["seconds"]["apply"] = round(time.monotonic() - t0, 1)
        report["resources"] = sum(
            1
            for c in planned["resource_changes"]
            if c["mode"] == "managed" and c["change"]["actions"] == ["create"]
        )
        with steps.step("second plan, from the state in the bucket: no changes"):
            left = changes(stack.plan())
            expect(not left, f"the plan right after apply still changes {json.dumps(left)}")
        aws = Aws(moto.endpoint, account["region"])
        stages = stack.plan()["variables"]["stages"]["value"]
        with steps.step("read back with boto3, and make deploy's preflight"):
            checks = check_account(aws, account, outputs, stages)
            report["checks"] += checks
            print(f"    {len(checks)} facts checked")
        with steps.step("move the state back to local disk and empty the bucket"):
            (workdir / "bootstrap_local_backend_override.tf").write_text(
                'terraform {\n  backend "local" {}\n}\n'
            )
            stack._run("init", input=False, migrate_state=True, force_copy=True)
            print(f"    {empty_bucket(aws, account['state_bucket'])} object versions deleted")
        with steps.step("destroy"):
            t0 = time.monotonic()
            stack.plan(destroy=True)
            stack.apply()
            report["seconds"]["destroy"] = round(time.monotonic() - t0, 1)
            report["checks"] += check_destroyed(aws, account, outputs)
    report["seconds"]["total"] = round(time.monotonic() - started, 1)
    out = base / "report.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"    {out.relative_to(ROOT)}: {report['resources']} resources, {report['seconds']}")
