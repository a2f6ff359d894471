"""The account's bootstrap root (terraform/bootstrap/), planned offline as CI does.

One plan of terraform/bootstrap/account.tfvars with the CI overrides (local
backend, fake keys, -refresh=false): every policy is built from names, so
all of it is known at plan time and asserted here.
"""

from __future__ import annotations

import json
import shutil

import boto3
import pytest
from moto import mock_aws
from moto.iam.aws_managed_policies import aws_managed_policies_data

from deploy import preflight

from . import backend_calls, stage_calls
from .conftest import REPO, TERRAFORM_DIR, Plan, Terraform
from .iam_policy import Request, decide

BOOTSTRAP = TERRAFORM_DIR / "bootstrap"
STAGES = ("dev", "qa", "prod")


def _checkout(scratch, name: str):
    root = scratch / name
    shutil.copytree(BOOTSTRAP, root, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    for override in (TERRAFORM_DIR / "ci").glob("*_override.tf"):
        shutil.copy(override, root / override.name)
    return root


@pytest.fixture(scope="module")
def bootstrap(scratch, cli_config, terraform) -> Terraform:
    tf = Terraform(_checkout(scratch, "bootstrap"), cli_config, terraform.manifest, scratch)
    tf.init()
    return tf


def _plan(tf: Terraform, *extra: str):
    out = tf.scratch / f"bootstrap-{len(extra)}.tfplan"
    args = ["plan", "-refresh=false", "-lock=false", "-input=false", "-no-color"]
    return tf.run(*args, "-var-file=account.tfvars", *extra, f"-out={out}"), out


@pytest.fixture(scope="module")
def plan(bootstrap) -> Plan:
    result, out = _plan(bootstrap)
    assert result.returncode == 0, result.stderr
    return bootstrap.show(out)


def _documents(plan: Plan) -> dict[str, dict]:
    """Policy documents by address, read at plan time (they name no unknown value)."""
    resources = plan.data["prior_state"]["values"]["root_module"]["resources"]
    return {r["address"]: json.loads(r["values"]["json"]) for r in resources if r["mode"] == "data"}


def _apply_policy(plan: Plan, stage: str) -> dict:
    """The stage's apply role's inline policy document."""
    return json.loads(plan.after(f'aws_iam_role_policy.ci_apply["{stage}"]')["policy"])


def _statements(document: dict) -> list[dict]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def test_state_bucket_is_versioned_encrypted_private_and_tls_only(plan):
    (bucket,) = plan.of_type("aws_s3_bucket").values()
    assert bucket["bucket"] == "shop-terraform-state-123456789012"
    assert plan.bucket_is_private_versioned_encrypted() == "AES256"
    (deny,) = _statements(_documents(plan)["data.aws_iam_policy_document.state_bucket"])
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert "prevent_destroy = true" in (BOOTSTRAP / "main.tf").read_text()


def test_stages_keep_their_lock_file_in_the_bucket():
    versions = (TERRAFORM_DIR / "versions.tf").read_text()
    assert "use_lockfile         = true" in versions
    assert 'key          = "bootstrap/terraform.tfstate"' in (BOOTSTRAP / "versions.tf").read_text()


def test_api_gateway_logs_through_one_account_role(plan):
    (account,) = plan.of_type("aws_api_gateway_account").values()
    assert account["reset_on_delete"] is True
    logs = plan.after("aws_iam_role.apigateway_logs")
    assert logs["name"] == "shop-apigateway-logs"
    trust = json.loads(logs["assume_role_policy"])
    assert _statements(trust)[0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    config = next(
        r
        for r in plan.data["configuration"]["root_module"]["resources"]
        if r["address"] == "aws_api_gateway_account.this"
    )
    assert (
        "aws_iam_role.apigateway_logs" in config["expressions"]["cloudwatch_role_arn"]["references"]
    )
    (push,) = _statements(_documents(plan)["data.aws_iam_policy_document.apigateway_logs"])
    assert all(":123456789012:log-group:" in r for r in push["Resource"])


def test_github_oidc_provider_and_a_read_only_plan_role(plan):
    provider = plan.after("aws_iam_openid_connect_provider.github[0]")
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    role = plan.after("aws_iam_role.ci_plan")
    (trust,) = _statements(json.loads(role["assume_role_policy"]))
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"]["Federated"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )
    assert trust["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
    }
    assert trust["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:example-org/shop:*"
    }
    (attachment,) = plan.of_type("aws_iam_role_policy_attachment").values()
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    state = _statements(_documents(plan)["data.aws_iam_policy_document.ci_plan_state"])
    writes = [s for s in state if {"s3:PutObject", "s3:DeleteObject"} & set(_listed(s["Action"]))]
    assert [_listed(s["Resource"]) for s in writes] == [
        ["arn:aws:s3:::shop-terraform-state-123456789012/stages/*/terraform.tfstate.tflock"]
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_apply_role_trusts_its_environment_and_names_only_its_resources(plan, stage):
    role = plan.after(f'aws_iam_role.ci_apply["{stage}"]')
    assert role["name"] == f"shop-ci-apply-{stage}"
    (trust,) = _statements(json.loads(role["assume_role_policy"]))
    assert trust["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": f"repo:example-org/shop:environment:{stage}",
    }
    document = _apply_policy(plan, stage)
    statements = {s["Sid"]: s for s in _statements(document)}
    others = [s for s in STAGES if s != stage]
    for sid, statement in statements.items():
        text = json.dumps(statement)
        assert not any(f"shop-{o}" in text or f"/{o}/" in text for o in others), sid
        if statement["Effect"] == "Deny":
            continue
        for resource in _listed(statement["Resource"]):
            if resource == "*":
                # Only ID-named resources, and only when tagged for the stage, or reads.
                conditions = json.dumps(statement.get("Condition", {}))
                assert f'"{stage}"' in conditions or sid == "Read", sid
                continue
            named = resource.split(":", 5)[-1]
            assert (
                f"shop-{stage}" in named
                or f"/stages/{stage}/" in resource
                or f"parameter/shop/{stage}/" in resource
                or resource.endswith(f"/{stage}")
                or resource.endswith(f"/{stage}:*")
                # Shared by every stage, each for its reason in ci_apply.tf.
                or sid
                in (
                    "ListStates",
                    "DefaultWorkspaceState",
                    "RdsManagedSecret",
                    "SenderIdentity",
                    "PredefinedDeploymentConfigs",
                    "AccountLoggingRole",
                    "DefaultOptionGroup",
                    "ExtensionLayer",
                    "SiteUntaggable",
                )
            ), (sid, resource)
    read = statements["Read"]
    assert all(
        a.split(":")[1].startswith(("Get", "List", "Describe", "GET"))
        for a in _listed(read["Action"])
    ), read["Action"]
    assert statements["NoAccountSettings"]["Effect"] == "Deny"
    assert _listed(statements["NoAccountSettings"]["Resource"]) == [
        "arn:aws:apigateway:eu-west-1::/account"
    ]
    assert _listed(statements["NoAccountLoggingRoleChange"]["Resource"]) == [
        "arn:aws:iam::123456789012:role/shop-apigateway-logs"
    ]


def _decision(document: dict, action: str, resource: str) -> str:
    """IAM's answer to one request that sets no tag on a resource that has none
    (iam_policy.decide): "Allow", "Deny" (explicit) or "ImplicitDeny"."""
    verdict, _ = decide(document, Request(action, resource))
    return {"allowed": "Allow", "denied": "Deny", "not allowed": "ImplicitDeny"}[verdict]


def _deploy_calls(stage: str) -> list[tuple[str, str]]:
    """What `make deploy` asks of AWS beside Terraform: the preflight
    (deploy/preflight.py), the release (deploy/ship.py, canary.py, history.py)
    and the site upload; the CloudFront invalidation rests on the Stage tag,
    which _decision does not set."""
    arn, name = "arn:aws:{}:eu-west-1:123456789012", f"shop-{stage}"
    fn, cd = arn.format("lambda") + ":function:", arn.format("codedeploy")
    return [
        ("sts:GetCallerIdentity", "*"),
        ("apigateway:GET", "arn:aws:apigateway:eu-west-1::/account"),
        ("iam:GetRole", "arn:aws:iam::123456789012:role/shop-apigateway-logs"),
        ("lambda:GetAlias", f"{fn}{name}-api:{stage}"),
        ("lambda:UpdateAlias", f"{fn}{name}-migrate:{stage}"),
        ("lambda:InvokeFunction", f"{fn}{name}-migrate:{stage}"),
        ("codedeploy:GetDeploymentGroup", f"{cd}:deploymentgroup:{name}-release/{name}-api"),
        ("codedeploy:CreateDeployment", f"{cd}:deploymentgroup:{name}-release/{name}-api"),
        ("codedeploy:GetDeployment", f"{cd}:deploymentgroup:{name}-release/{name}-api"),
        (
            "codedeploy:GetDeploymentConfig",
            f"{cd}:deploymentconfig:CodeDeployDefault.LambdaCanary10Percent5Minutes",
        ),
        ("cloudwatch:DescribeAlarms", arn.format("cloudwatch") + f":alarm:{name}-api-errors"),
        ("ssm:PutParameter", arn.format("ssm") + f":parameter/shop/{stage}/releases"),
        ("lambda:ListVersionsByFunction", f"{fn}{name}-report"),
        ("lambda:DeleteFunction", f"{fn}{name}-report:3"),
        ("s3:PutObject", f"arn:aws:s3:::{name}-site-20261205/index.html"),
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_each_apply_role_may_make_the_deploys_calls_but_not_change_the_account(plan, stage):
    # GIVEN the stage's apply role, as CI's deploy job assumes it
    document = _apply_policy(plan, stage)
    # THEN every call make deploy makes outside Terraform is allowed on the
    # stage's own names, the preflight's reads of the account included
    refused = [c for c in _deploy_calls(stage) if _decision(document, *c) != "Allow"]
    assert refused == []
    # AND the account's settings, its logging role and the CI roles stay out of reach
    account = "arn:aws:apigateway:eu-west-1::/account"
    logs = "arn:aws:iam::123456789012:role/shop-apigateway-logs"
    for action in ("apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE"):
        assert _decision(document, action, account) == "Deny", action
    for action in ("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole"):
        assert _decision(document, action, logs) == "Deny", action
        ci = f"arn:aws:iam::123456789012:role/shop-ci-apply-{stage}"
        assert _decision(document, action, ci) == "Deny", action
    # AND another stage's release is not this role's to move
    other = next(s for s in STAGES if s != stage)
    for call in _deploy_calls(other):
        if call[0] in ("lambda:UpdateAlias", "codedeploy:CreateDeployment", "ssm:PutParameter"):
            assert _decision(document, *call) == "ImplicitDeny", call


def test_role_arns_are_outputs_for_the_workflows(plan):
    outputs = plan.data["configuration"]["root_module"]["outputs"]
    for name in ("ci_plan_role_arn", "ci_apply_role_arns", "github_oidc_provider_arn"):
        assert outputs[name]["description"]
    assert set(plan.output("ci_apply_role_arns") or {}) <= set(STAGES)


def test_a_wildcard_repository_is_refused(bootstrap):
    """GIVEN github.repository = "example-org/*" (any repository of the org
    could deploy), WHEN planned, THEN the plan stops and says why."""
    result, _ = _plan(bootstrap, '-var=github={repository = "example-org/*"}')
    assert result.returncode != 0
    assert "github.repository must be owner/name, without wildcards" in result.stderr


def test_the_account_tfvars_are_the_documented_example():
    text = (BOOTSTRAP / "account.tfvars").read_text()
    assert 'account_id   = "123456789012"' in text
    assert "terraform/bootstrap" in (REPO / "docs" / "terraform.md").read_text()


@pytest.mark.parametrize("stage", STAGES)
def test_each_apply_role_may_create_everything_its_stage_plans(plan, stage_plans, stage):
    """GIVEN the stage's own plan, WHEN each creation in it is asked of the
    stage's apply role (the action and ARN AWS authorises, the tags the call
    sets or the resource has), THEN IAM's evaluation allows every one: CI's
    first `make deploy` of the stage would otherwise stop half-way with
    AccessDenied."""
    document = _apply_policy(plan, stage)
    refused = []
    asked = 0
    for address, request in stage_calls.requests(stage_plans[stage]):
        asked += 1
        verdict, sids = decide(document, request)
        if verdict != "allowed":
            refused.append(f"{address}: {request.action} on {request.resource} {verdict} {sids}")
    assert asked > 150
    assert refused == [], "\n".join(refused)


def test_an_apply_role_may_create_nothing_named_or_tagged_for_another_stage(plan, stage_plans):
    """qa's plan asked of prod's role (and the other way round): only what no
    name or tag can tell apart is allowed (AWS's extension layer, the
    default option group, CloudFront's untaggable parts, the secret RDS
    names rds!db-<id>, the sender's e-mail identity)."""
    shared = {
        "lambda:GetLayerVersion",
        "cloudfront:CreateOriginAccessControl",
        "cloudfront:CreateResponseHeadersPolicy",
        "ses:VerifyEmailIdentity",
    }
    for mine, other in (("qa", "prod"), ("prod", "qa"), ("dev", "qa")):
        document = _apply_policy(plan, other)
        leaks = [
            f"{address}: {request.action} on {request.resource}"
            for address, request in stage_calls.requests(stage_plans[mine])
            if decide(document, request)[0] == "allowed"
            and request.action not in shared
            and ":og:default:" not in request.resource
            and ":secret:rds!" not in request.resource
        ]
        assert leaks == [], f"{other}'s role may create {mine}'s resources: {leaks}"


@pytest.mark.parametrize(
    "request_",
    [
        # Tag prod's VPC as qa's, then manage it under the Stage tag condition.
        Request(
            "ec2:CreateTags",
            "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0prod",
            {"Stage": "qa"},
            {"Stage": "prod"},
        ),
        Request(
            "rds:AddTagsToResource",
            "arn:aws:rds:eu-west-1:123456789012:db:shop-prod",
            {"Stage": "qa"},
            {"Stage": "prod"},
        ),
        Request(
            "apigateway:DELETE",
            "arn:aws:apigateway:eu-west-1::/restapis/p1r2o3d",
            {},
            {"Stage": "prod"},
        ),
    ],
    ids=lambda r: f"{r.action} {r.resource.rsplit(':', 1)[-1]}",
)
def test_qa_s_apply_role_may_not_take_over_prod_s_tagged_resources(plan, request_):
    """The Stage tag conditions must not let qa's role re-tag a prod resource as
    its own, nor touch one tagged for prod."""
    verdict, _ = decide(_apply_policy(plan, "qa"), request_)
    assert verdict != "allowed"


# What the preflight's AWS calls ask IAM for (the Service Authorization
# Reference's action and resource for each operation).
PREFLIGHT_CALLS = {
    ("apigateway", "GetAccount"): lambda params: (
        "apigateway:GET",
        "arn:aws:apigateway:eu-west-1::/account",
    ),
    ("iam", "GetRole"): lambda params: (
        "iam:GetRole",
        f"arn:aws:iam::123456789012:role/{params['RoleName']}",
    ),
}


def _preflight_calls() -> list[tuple[str, str, dict]]:
    """(service, operation, parameters) of every AWS call `make deploy`'s account preflight
    makes on a bootstrapped account (moto)."""
    calls = []

    def record(params, model, **_):
        calls.append((model.service_model.service_name, model.name, params))

    with mock_aws():
        session = boto3.session.Session(region_name="eu-west-1")
        iam = session.client("iam")
        trust = {"Version": "2012-10-17", "Statement": []}
        arn = iam.create_role(
            RoleName="shop-apigateway-logs", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
        session.client("apigateway").update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}]
        )
        session.events.register("before-parameter-build", record)
        preflight.check_api_gateway_logging(session)
    return calls


@pytest.mark.parametrize("stage", STAGES)
def test_each_apply_role_may_run_the_deploy_preflight(plan, stage):
    """CI deploys with the stage's apply role (.github/workflows/deploy.yml),
    and `make deploy` first reads API Gateway's account setting and the role
    it names (deploy/preflight.py). Writing them is denied; reading them must
    not be, or every CI deploy stops at its first step."""
    calls = _preflight_calls()
    assert calls, "the preflight made no AWS call"
    document = _apply_policy(plan, stage)
    for service, operation, params in calls:
        assert (service, operation) in PREFLIGHT_CALLS, (
            f"the preflight now calls {service} {operation}: add its IAM action to PREFLIGHT_CALLS"
        )
        request = Request(*PREFLIGHT_CALLS[service, operation](params))
        verdict, sids = decide(document, request)
        assert verdict == "allowed", f"{request.action} on {request.resource}: {verdict} {sids}"


STATE_BUCKET = "shop-terraform-state-123456789012"


@pytest.fixture(scope="module")
def state_calls(scratch, cli_config) -> dict[str, dict[str, list[Request]]]:
    """Per stage, the state bucket requests of CI's `terraform init` + `workspace
    select -or-create` from a fresh checkout (backend_calls): "first" creates
    the stage's workspace, "again" finds it."""
    with backend_calls.StateBucket(scratch / "state-calls", cli_config, STATE_BUCKET) as bucket:
        return {
            stage: {"first": bucket.init(stage), "again": bucket.init(stage)} for stage in STAGES
        }


def _plan_role_policy(plan: Plan) -> dict:
    """The plan role's inline policy and its managed attachments (moto's copy
    of AWS's managed policies) as one document: IAM unites them."""
    managed = json.loads(aws_managed_policies_data)
    statements = _statements(_documents(plan)["data.aws_iam_policy_document.ci_plan_state"])
    for attachment in plan.of_type("aws_iam_role_policy_attachment").values():
        name = attachment["policy_arn"].removeprefix("arn:aws:iam::aws:policy/")
        statements = statements + _statements(managed[name]["Document"])
    return {"Statement": statements}


def _refused(document: dict, requests) -> list[str]:
    return [
        f"{r.action} on {r.resource}"
        for r in requests
        if _decision(document, r.action, r.resource) != "Allow"
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_each_ci_role_may_init_its_stage_and_reaches_no_other_stages_state(
    plan, state_calls, stage
):
    """GIVEN the requests Stack.init() makes of the state bucket, recorded
    against moto, WHEN each is asked of the role CI's job assumes for it
    (deploy.yml: the stage's apply role, a first deploy and a later one;
    drift.yml: the plan role, a deployed stage), THEN IAM allows every one:
    init in the default workspace reads its key, `terraform.tfstate` at the
    bucket's root, and S3 answers a read the caller may not make with 403
    even when the key is missing, which fails init. AND neither role may
    write another stage's state, nor the apply role read it."""
    workflows = REPO / ".github" / "workflows"
    assert "role/shop-ci-apply-qa" in (workflows / "deploy.yml").read_text()
    drift = (workflows / "drift.yml").read_text()
    assert "role/shop-ci-plan" in drift and "make drift" in drift
    calls = state_calls[stage]
    bucket = f"arn:aws:s3:::{STATE_BUCKET}"
    state = f"{bucket}/stages/{stage}/terraform.tfstate"
    assert Request("s3:PutObject", state) in calls["first"]
    assert Request("s3:ListBucket", bucket) in calls["again"]

    apply_role, plan_role = _apply_policy(plan, stage), _plan_role_policy(plan)
    assert _refused(apply_role, calls["first"] + calls["again"]) == []
    assert _refused(plan_role, calls["again"]) == []

    for other in (s for s in STAGES if s != stage):
        theirs = [
            Request(r.action, r.resource.replace(f"/stages/{stage}/", f"/stages/{other}/"))
            for r in calls["first"]
            if f"/stages/{stage}/" in r.resource
        ]
        assert theirs and len(_refused(apply_role, theirs)) == len(theirs)
    for role, keys in (
        (apply_role, ["terraform.tfstate"]),
        (plan_role, ["terraform.tfstate", f"stages/{stage}/terraform.tfstate"]),
    ):
        for key in keys:
            for action in ("s3:PutObject", "s3:DeleteObject"):
                assert _decision(role, action, f"{bucket}/{key}") != "Allow", (action, key)
