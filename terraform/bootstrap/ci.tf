# The identity GitHub Actions deploys with: no long-lived keys, a short
# session from the repository's OIDC token. Pull requests get a read-only
# role that can plan every stage; deploying a stage needs that stage's role,
# which trusts only the GitHub environment of the same name and can touch
# only resources named <project>-<stage>-* (or tagged Stage = <stage> where
# the ARN carries no name).

locals {
  github_oidc_host = "token.actions.githubusercontent.com"
  # The provider's ARN is fixed by its host; built here so the trust
  # policies are known at plan time (the roles wait for the provider).
  github_oidc_arn = "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.github_oidc_host}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github.create_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  # No thumbprint: IAM trusts GitHub's certificate through its own CA
  # library for this provider, and the provider no longer requires one.
}

# Who may assume each CI role: a token GitHub issued for this repository
# (aud pinned to STS). The plan role takes any workflow of the repository
# (pull requests included): it only reads. A stage's apply role takes only
# jobs that run in the GitHub environment named after the stage, where
# reviewers and branch rules guard deploys.
data "aws_iam_policy_document" "trust" {
  for_each = merge(
    { plan = { test = "StringLike", sub = "repo:${var.github.repository}:*" } },
    { for stage in var.stages : stage => { test = "StringEquals", sub = "repo:${var.github.repository}:environment:${stage}" } },
  )
  #checkov:skip=CKV_AWS_358: The claim names are built from local.github_oidc_host, which checkov does not resolve; aud is pinned to sts.amazonaws.com and sub to this repository for the read-only plan role, to the stage's GitHub environment exactly for an apply role.

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = each.value.test
      variable = "${local.github_oidc_host}:sub"
      values   = [each.value.sub]
    }
  }
}

resource "aws_iam_role" "ci_plan" {
  name                 = "${var.project}-ci-plan"
  description          = "GitHub Actions of ${var.github.repository}: terraform plan of every stage (read-only)"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600

  depends_on = [aws_iam_openid_connect_provider.github]
}

# Refreshing a plan reads every kind of resource the stages have; AWS's
# ReadOnlyAccess is the maintained list of those read actions. Its s3:Get*
# also covers `terraform init`'s read of the default workspace's state (the
# key at the bucket's root), which the apply roles are granted by name.
resource "aws_iam_role_policy_attachment" "ci_plan_read_only" {
  role       = aws_iam_role.ci_plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "ci_plan_state" {
  statement {
    sid       = "ListStates"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }

  statement {
    sid       = "ReadStates"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/stages/*"]
  }

  # `plan` takes the state lock (use_lockfile): it writes and deletes the
  # lock object, and nothing else.
  statement {
    sid       = "TakeThePlanLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/stages/*/terraform.tfstate.tflock"]
  }
}

resource "aws_iam_role_policy" "ci_plan_state" {
  name   = "read-stage-states"
  role   = aws_iam_role.ci_plan.id
  policy = data.aws_iam_policy_document.ci_plan_state.json
}

resource "aws_iam_role" "ci_apply" {
  for_each = toset(var.stages)

  name                 = "${var.project}-ci-apply-${each.key}"
  description          = "GitHub Actions of ${var.github.repository}, environment ${each.key}: deploys ${var.project}-${each.key}-* only"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy" "ci_apply" {
  for_each = toset(var.stages)

  name   = "deploy-${each.key}"
  role   = aws_iam_role.ci_apply[each.key].id
  policy = data.aws_iam_policy_document.ci_apply[each.key].json
}
