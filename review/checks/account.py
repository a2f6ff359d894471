"""A stage writes no account-wide setting.

What exists once per account and region (API Gateway's logging role setting,
GitHub's OIDC provider, IAM's password policy and alias, S3's and EBS's
account defaults) belongs to terraform/bootstrap/. A stage that set one
would fight the other stages over it, or take it away on destroy (a
destroyed dev would leave qa logging through a deleted role).
"""

from __future__ import annotations

from review.context import Context
from review.model import Outcome, check

ACCOUNT_WIDE = (
    "aws_api_gateway_account",
    "aws_iam_openid_connect_provider",
    "aws_iam_account_password_policy",
    "aws_iam_account_alias",
    "aws_s3_account_public_access_block",
    "aws_ebs_encryption_by_default",
    "aws_ebs_default_kms_key",
)


@check("account-wide-settings")
def account_wide_settings(ctx: Context, out: Outcome) -> None:
    """The stage writes no account-wide setting

    One setting per account shared by every stage belongs to the bootstrap root, not to a stage.
    """
    found = ctx.plan.of_type(*ACCOUNT_WIDE, present=False)
    for resource in found:
        out.fail(
            resource.address,
            f"{resource.type} is one setting per account and region: the stages would fight "
            "over it, and destroying this stage would take it from the others; declare it in "
            "terraform/bootstrap/ (make bootstrap) instead",
        )
    if not ctx.plan.resources:
        out.cannot_verify("(plan)", "no resource in the plan")
    elif not found:
        out.saw(
            f"none of {', '.join(ACCOUNT_WIDE)} among the plan's {len(ctx.plan.resources)} "
            "resources"
        )
