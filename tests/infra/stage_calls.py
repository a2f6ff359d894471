"""What creating each resource of a stage's plan asks IAM for.

The CI apply role of a stage (terraform/bootstrap/ci_apply.tf) must allow
every creation its stage plans, under the names and tags the plan gives
them. Each resource type maps to the authorisations its Create call needs
(the action and the ARN AWS checks it on, from the Service Authorization
Reference: https://docs.aws.amazon.com/service-authorization/latest/reference/),
with the tags the call sets (default_tags, in tags_all) or the tags the
resources it touches already carry. A type missing from CALLS fails the
test that uses it: a new kind of resource needs its line here.

Names the plan does not know yet (an ID, a name made from a prefix) are
written as AWS would complete them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .iam_policy import Request

ACCOUNT = "123456789012"  # terraform/bootstrap/account.tfvars
UNIQUE = "20261205000000000000000001"  # what Terraform appends to a name_prefix


def _s3(bucket: str, key: str = "") -> str:
    return f"arn:aws:s3:::{bucket}{'/' + key if key else ''}"


class Arns:
    """ARNs in the stage's region and the bootstrap's account."""

    def __init__(self, region: str):
        self.region = region

    def __call__(self, service: str, rest: str, *, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{ACCOUNT}:{rest}"

    def apigateway(self, path: str) -> str:
        return f"arn:aws:apigateway:{self.region}::{path}"


def _named(value: dict, key: str) -> str:
    return value.get(key) or f"{value[key + '_prefix']}{UNIQUE}"


class _Planned(dict):
    """A resource's planned values; a name the plan leaves to a prefix reads
    as AWS completes it."""

    def __missing__(self, key: str) -> str:
        return _named(self, key)


def _on(action: str, service: str, resource: str, *, tagged: bool, regional: bool = True):
    """One call on the ARN of `resource` (its {fields} filled from the planned
    values); with the call's tags where it creates a tagged resource."""
    return lambda a, arn, tags, stage, ctx: [
        (
            action,
            arn(service, resource.format_map(_Planned(a)), regional=regional),
            tags if tagged else {},
            {},
        )
    ]


BUCKET_CALLS = {
    "aws_s3_bucket_versioning": "s3:PutBucketVersioning",
    "aws_s3_bucket_server_side_encryption_configuration": "s3:PutEncryptionConfiguration",
    "aws_s3_bucket_public_access_block": "s3:PutBucketPublicAccessBlock",
    "aws_s3_bucket_ownership_controls": "s3:PutBucketOwnershipControls",
    "aws_s3_bucket_lifecycle_configuration": "s3:PutLifecycleConfiguration",
    "aws_s3_bucket_policy": "s3:PutBucketPolicy",
}


def _on_bucket(action: str) -> Callable[..., list]:
    """One call on the stage's bucket (a setting of it, made after it)."""
    return lambda a, arn, tags, stage, ctx: [(action, _s3(ctx["bucket"]), {}, {})]


# EC2 resources an EC2 call acts on besides what it creates, by the IDs AWS
# would give them.
VPC = "vpc/vpc-0a1b2c"
SUBNET = "subnet/subnet-0a1b2c"
ELASTIC_IP = "elastic-ip/eipalloc-0a1b2c"
ROUTE_TABLE = "route-table/rtb-0a1b2c"
SECURITY_GROUP = "security-group/sg-0a1b2c"


def _ec2(action: str, creates: str | None, *existing: str) -> Callable[..., list]:
    """One EC2 call: on the `creates` kind it makes (any ID, with the call's
    tags) and on each `existing` resource it attaches to (tagged for the stage)."""
    return lambda a, arn, tags, stage, ctx: [
        *([(action, arn("ec2", f"{creates}/*"), tags, {})] if creates else []),
        *[(action, arn("ec2", resource), {}, stage) for resource in existing],
    ]


# type -> fn(after, arn, own tags, stage tags, context) -> calls, each
# (action, resource, request tags, resource tags)
Call = tuple[str, str, dict, dict]
CALLS: dict[str, Callable[..., list[Call]]] = {
    # Lambda
    "aws_lambda_function": lambda a, arn, tags, stage, ctx: [
        ("lambda:CreateFunction", arn("lambda", f"function:{a['function_name']}"), tags, {}),
        *[
            ("lambda:GetLayerVersion", layer, {}, {})
            for layer in ctx["extension_layers"].get(a["function_name"], [])
        ],
    ],
    "aws_lambda_alias": _on(
        "lambda:CreateAlias", "lambda", "function:{function_name}", tagged=False
    ),
    "aws_lambda_permission": _on(
        "lambda:AddPermission", "lambda", "function:{function_name}:{qualifier}", tagged=False
    ),
    "aws_lambda_provisioned_concurrency_config": _on(
        "lambda:PutProvisionedConcurrencyConfig",
        "lambda",
        "function:{function_name}:{qualifier}",
        tagged=False,
    ),
    "aws_lambda_layer_version": _on(
        "lambda:PublishLayerVersion", "lambda", "layer:{layer_name}", tagged=False
    ),
    # IAM (a role's inline policy names the role only after apply)
    "aws_iam_role": lambda a, arn, tags, stage, ctx: [
        ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/{a['name']}", tags, {}),
        ("iam:TagRole", f"arn:aws:iam::{ACCOUNT}:role/{a['name']}", tags, {}),
    ],
    "aws_iam_role_policy": lambda a, arn, tags, stage, ctx: [
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{role}", {}, {})
        for role in [a.get("role")]
        if role
    ],
    # CloudWatch, EventBridge, SNS, SSM, Secrets Manager, SES
    # API Gateway's execution log group is named after the API's ID.
    "aws_cloudwatch_log_group": lambda a, arn, tags, stage, ctx: (
        [("logs:CreateLogGroup", arn("logs", f"log-group:{a['name']}"), tags, {})]
        if a.get("name")
        else []
    ),
    "aws_cloudwatch_metric_alarm": _on(
        "cloudwatch:PutMetricAlarm", "cloudwatch", "alarm:{alarm_name}", tagged=True
    ),
    "aws_cloudwatch_dashboard": _on(
        "cloudwatch:PutDashboard",
        "cloudwatch",
        "dashboard/{dashboard_name}",
        tagged=False,
        regional=False,
    ),
    "aws_cloudwatch_event_rule": _on("events:PutRule", "events", "rule/{name}", tagged=True),
    "aws_cloudwatch_event_target": _on("events:PutTargets", "events", "rule/{rule}", tagged=False),
    "aws_sns_topic": _on("sns:CreateTopic", "sns", "{name}", tagged=True),
    "aws_sns_topic_subscription": lambda a, arn, tags, stage, ctx: [
        ("sns:Subscribe", arn("sns", ctx["topic_of"](a)), {}, {})
    ],
    "aws_ssm_parameter": _on("ssm:PutParameter", "ssm", "parameter{name}", tagged=True),
    "aws_secretsmanager_secret": _on(
        "secretsmanager:CreateSecret", "secretsmanager", "secret:{name}-AbCdEf", tagged=True
    ),
    "aws_ses_email_identity": _on(
        "ses:VerifyEmailIdentity", "ses", "identity/{email}", tagged=False
    ),
    # RDS
    "aws_db_subnet_group": _on("rds:CreateDBSubnetGroup", "rds", "subgrp:{name}", tagged=True),
    "aws_db_parameter_group": _on("rds:CreateDBParameterGroup", "rds", "pg:{name}", tagged=True),
    "aws_db_instance": lambda a, arn, tags, stage, ctx: [
        ("rds:CreateDBInstance", arn("rds", f"db:{a['identifier']}"), tags, {}),
        ("rds:AddTagsToResource", arn("rds", f"db:{a['identifier']}"), tags, {}),
        # The instance is authorised on its groups too.
        (
            "rds:CreateDBInstance",
            arn("rds", f"og:default:mysql-{a['engine_version'][:3].replace('.', '-')}"),
            {},
            {},
        ),
        ("rds:CreateDBInstance", arn("rds", f"subgrp:{a['db_subnet_group_name']}"), {}, {}),
        ("rds:CreateDBInstance", arn("rds", f"pg:{ctx['parameter_group']}"), {}, {}),
        # manage_master_user_password: RDS creates the secret as the caller.
        (
            "secretsmanager:CreateSecret",
            arn("secretsmanager", "secret:rds!db-0a1b2c-AbCdEf"),
            {},
            {},
        ),
    ],
    "aws_db_proxy": _on("rds:CreateDBProxy", "rds", "db-proxy:prx-0a1b2c", tagged=True),
    "aws_db_proxy_default_target_group": lambda a, arn, tags, stage, ctx: [
        ("rds:ModifyDBProxyTargetGroup", arn("rds", "target-group:prx-tg-0a1b2c"), {}, stage)
    ],
    "aws_db_proxy_target": lambda a, arn, tags, stage, ctx: [
        ("rds:RegisterDBProxyTargets", arn("rds", "db-proxy:prx-0a1b2c"), {}, stage)
    ],
    # S3 (the site bucket's name is made from its prefix)
    "aws_s3_bucket": lambda a, arn, tags, stage, ctx: [
        ("s3:CreateBucket", _s3(_named(a, "bucket")), {}, {})
    ],
    **{kind: _on_bucket(action) for kind, action in BUCKET_CALLS.items()},
    "aws_s3_object": lambda a, arn, tags, stage, ctx: [
        ("s3:PutObject", _s3(ctx["bucket"], a["key"]), {}, {})
    ],
    # CodeDeploy
    "aws_codedeploy_app": _on(
        "codedeploy:CreateApplication", "codedeploy", "application:{name}", tagged=True
    ),
    "aws_codedeploy_deployment_group": _on(
        "codedeploy:CreateDeploymentGroup",
        "codedeploy",
        "deploymentgroup:{app_name}/{deployment_group_name}",
        tagged=True,
    ),
    # EC2: IDs only, so creations carry the Stage tag and the resources they
    # attach to already have it. The default security group exists untagged
    # until Terraform tags it.
    "aws_vpc": _ec2("ec2:CreateVpc", "vpc"),
    "aws_subnet": _ec2("ec2:CreateSubnet", "subnet", VPC),
    "aws_internet_gateway": lambda a, arn, tags, stage, ctx: [
        ("ec2:CreateInternetGateway", arn("ec2", "internet-gateway/*"), tags, {}),
        ("ec2:AttachInternetGateway", arn("ec2", VPC), {}, stage),
    ],
    "aws_eip": _ec2("ec2:AllocateAddress", "elastic-ip"),
    "aws_nat_gateway": _ec2("ec2:CreateNatGateway", "natgateway", SUBNET, ELASTIC_IP),
    "aws_route_table": _ec2("ec2:CreateRouteTable", "route-table", VPC),
    "aws_route": _ec2("ec2:CreateRoute", None, ROUTE_TABLE),
    "aws_route_table_association": _ec2("ec2:AssociateRouteTable", None, ROUTE_TABLE, SUBNET),
    "aws_security_group": _ec2("ec2:CreateSecurityGroup", "security-group", VPC),
    "aws_default_security_group": lambda a, arn, tags, stage, ctx: [
        ("ec2:CreateTags", arn("ec2", SECURITY_GROUP), tags, {}),
        ("ec2:RevokeSecurityGroupEgress", arn("ec2", SECURITY_GROUP), {}, stage),
    ],
    **{
        f"aws_vpc_security_group_{way}_rule": _ec2(
            f"ec2:AuthorizeSecurityGroup{way.title()}", "security-group-rule", SECURITY_GROUP
        )
        for way in ("ingress", "egress")
    },
    "aws_vpc_endpoint": _ec2("ec2:CreateVpcEndpoint", "vpc-endpoint", VPC, ROUTE_TABLE),
    "aws_flow_log": _ec2("ec2:CreateFlowLogs", "vpc-flow-log", VPC),
    # API Gateway: a REST API's children carry its tags for authorisation.
    "aws_api_gateway_rest_api": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/restapis"), tags, {}),
        ("apigateway:PUT", arn.apigateway("/restapis/a1b2c3"), {}, stage),
    ],
    "aws_api_gateway_deployment": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/restapis/a1b2c3/deployments"), {}, stage)
    ],
    "aws_api_gateway_stage": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/restapis/a1b2c3/stages"), tags, stage)
    ],
    "aws_api_gateway_method_settings": lambda a, arn, tags, stage, ctx: [
        (
            "apigateway:PATCH",
            arn.apigateway(f"/restapis/a1b2c3/stages/{a['stage_name']}"),
            {},
            stage,
        )
    ],
    "aws_api_gateway_usage_plan": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/usageplans"), tags, {})
    ],
    "aws_api_gateway_api_key": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/apikeys"), tags, {})
    ],
    "aws_api_gateway_usage_plan_key": lambda a, arn, tags, stage, ctx: [
        ("apigateway:POST", arn.apigateway("/usageplans/u1b2c3/keys"), {}, stage)
    ],
    # CloudFront: distributions take tags; origin access controls and
    # response headers policies take none.
    "aws_cloudfront_distribution": lambda a, arn, tags, stage, ctx: [
        (
            "cloudfront:CreateDistribution",
            arn("cloudfront", "distribution/*", regional=False),
            tags,
            {},
        ),
        ("cloudfront:TagResource", arn("cloudfront", "distribution/*", regional=False), tags, {}),
    ],
    "aws_cloudfront_origin_access_control": _on(
        "cloudfront:CreateOriginAccessControl",
        "cloudfront",
        "origin-access-control/*",
        tagged=False,
        regional=False,
    ),
    "aws_cloudfront_response_headers_policy": _on(
        "cloudfront:CreateResponseHeadersPolicy",
        "cloudfront",
        "response-headers-policy/*",
        tagged=False,
        regional=False,
    ),
}


def _context(plan) -> dict:
    """What some creations need from elsewhere in the plan."""
    buckets = list(plan.of_type("aws_s3_bucket").values())
    groups = list(plan.of_type("aws_db_parameter_group").values())
    topics = {a: t for a, t in plan.of_type("aws_sns_topic").items()}
    functions = plan.output("functions") or {}
    project_stage = f"{plan.variable('project')}-{plan.variable('stage')}"

    def topic_of(subscription: dict) -> str:
        # The subscription's topic ARN is known after apply; the module has one alarm topic.
        (name,) = [t["name"] for a, t in topics.items() if a.endswith(".alarms")]
        return name

    return {
        "bucket": _named(buckets[0], "bucket") if buckets else "",
        "parameter_group": _named(groups[0], "name") if groups else "",
        "topic_of": topic_of,
        "extension_layers": {
            f"{project_stage}-{name}": out.get("extension_layers", [])
            for name, out in functions.items()
        },
    }


def requests(plan) -> Iterator[tuple[str, Request]]:
    """(address, request) for every authorisation the plan's creations need.

    Raises KeyError naming a resource type CALLS does not know.
    """
    arn = Arns(plan.variable("region"))
    stage = {"Stage": plan.variable("stage")}
    ctx = _context(plan)
    for address, change in plan.changes.items():
        if change["mode"] != "managed" or "create" not in change["change"]["actions"]:
            continue
        after = change["change"]["after"] or {}
        if change["type"] not in CALLS:
            raise KeyError(f"{change['type']} ({address}): add what creating it asks IAM for")
        tags = after.get("tags_all") or {}
        for action, resource, request_tags, resource_tags in CALLS[change["type"]](
            after, arn, tags, stage, ctx
        ):
            yield address, Request(action, resource, request_tags, resource_tags)
