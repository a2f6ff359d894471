"""Account-level preflight of `make deploy`: what the bootstrap root must have set up.

A stage creates no account-wide setting (terraform/bootstrap/ does, once per
account and region). Without API Gateway's CloudWatch Logs role in the
account settings, AWS refuses a stage with access logging ("CloudWatch Logs
role ARN must be set in account settings to enable logging"), half-way
through the apply; this check says so before anything changes. It only
reads (apigateway:GET /account, iam:GetRole).
"""

from __future__ import annotations

from deploy.steps import DeployError

BOOTSTRAP_HINT = (
    "run `make bootstrap` once for this account and region (docs/terraform.md, "
    "'Bootstrap an account'), then deploy again"
)


def check_api_gateway_logging(session) -> str:
    """Return the account's API Gateway CloudWatch Logs role ARN; raise DeployError if unusable.

    Unusable: no role in the account settings of the session's region, or a
    role that no longer exists (deleted behind the setting's back).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    region = session.region_name
    try:
        role_arn = session.client("apigateway").get_account().get("cloudwatchRoleArn")
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"cannot read API Gateway's account settings in {region} ({exc})",
            hint="the deploying identity needs apigateway:GET on /account; " + BOOTSTRAP_HINT,
        ) from exc
    if not role_arn:
        raise DeployError(
            f"API Gateway in {region} has no CloudWatch Logs role in its account settings, "
            "so the stage's access and execution logs would be refused",
            hint=BOOTSTRAP_HINT,
        )
    role_name = role_arn.rsplit("/", 1)[-1]
    try:
        session.client("iam").get_role(RoleName=role_name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            raise DeployError(
                f"API Gateway in {region} logs through {role_arn}, which does not exist any more",
                hint=BOOTSTRAP_HINT,
            ) from exc
        raise DeployError(
            f"cannot read the API Gateway logging role {role_arn} ({exc})",
            hint="the deploying identity needs iam:GetRole on it; " + BOOTSTRAP_HINT,
        ) from exc
    return role_arn
