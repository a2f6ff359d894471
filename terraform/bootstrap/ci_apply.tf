# What a stage's apply role may do: every service the stage uses, on the
# stage's own names (<project>-<stage>-*), or, where an ARN carries only an
# ID (EC2, API Gateway, CloudFront, RDS Proxy), on resources tagged
# Stage = <stage> (the stages' default_tags) and creations that tag so.
# Changing account-wide settings is denied outright (they belong to this
# root); make deploy's preflight may only read them.
# tests/infra/test_plan_bootstrap.py evaluates this document against every
# creation each stage's plan asks for and the calls make deploy makes.

locals {
  arn = {
    for stage in var.stages : stage => {
      name   = "${var.project}-${stage}"
      lambda = "arn:${local.partition}:lambda:${var.region}:${local.account}"
      logs   = "arn:${local.partition}:logs:${var.region}:${local.account}:log-group"
      rds    = "arn:${local.partition}:rds:${var.region}:${local.account}"
    }
  }
  # Managed by the Stage tag alone (ManageTaggedStage), so the same services
  # are denied on a resource tagged for another stage (NoOtherStagesResources).
  tag_scoped_actions = ["ec2:*", "apigateway:*", "cloudfront:*", "rds:*"]
}

#trivy:ignore:AVD-AWS-0345 s3:* only on the stage's own site buckets (shop-qa-site-* for qa), which its apply creates, configures, fills and deletes; the state bucket is reached object by object under the stage's own prefix.
data "aws_iam_policy_document" "ci_apply" {
  #checkov:skip=CKV_AWS_356: "*" only for reads AWS does not scope to a resource (Describe*, List*, GetCallerIdentity) and for EC2, API Gateway, CloudFront and RDS Proxy calls, whose ARNs carry IDs, each conditioned on the Stage tag.
  for_each = toset(var.stages)

  statement {
    sid       = "StageState"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/stages/${each.key}/*"]
  }

  statement {
    sid       = "ListStates"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }

  # `terraform init` runs in the default workspace before make deploy
  # selects the stage's, and reads that workspace's state (the backend's
  # key at the bucket's root, which no stage writes) for the providers it
  # needs. S3 answers a read the caller may not make with 403 even when the
  # key is missing, and init stops there: a read of that one key.
  # HEAD needs s3:GetObject; see "Permissions" in
  # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
  statement {
    sid       = "DefaultWorkspaceState"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/terraform.tfstate"]
  }

  statement {
    sid     = "StageNamedResources"
    actions = ["lambda:*", "events:*", "sns:*", "ssm:*", "cloudwatch:*", "codedeploy:*", "s3:*"]
    resources = [
      "${local.arn[each.key].lambda}:function:${local.arn[each.key].name}-*",
      "${local.arn[each.key].lambda}:layer:${local.arn[each.key].name}-*",
      "arn:${local.partition}:events:${var.region}:${local.account}:rule/${local.arn[each.key].name}-*",
      "arn:${local.partition}:sns:${var.region}:${local.account}:${local.arn[each.key].name}-*",
      "arn:${local.partition}:ssm:${var.region}:${local.account}:parameter/${var.project}/${each.key}/*",
      "arn:${local.partition}:cloudwatch:${var.region}:${local.account}:alarm:${local.arn[each.key].name}-*",
      # Dashboards are global: no region in their ARN.
      "arn:${local.partition}:cloudwatch::${local.account}:dashboard/${local.arn[each.key].name}",
      "arn:${local.partition}:cloudwatch::${local.account}:dashboard/${local.arn[each.key].name}-*",
      "arn:${local.partition}:codedeploy:${var.region}:${local.account}:application:${local.arn[each.key].name}-*",
      "arn:${local.partition}:codedeploy:${var.region}:${local.account}:deploymentgroup:${local.arn[each.key].name}-*",
      "arn:${local.partition}:s3:::${local.arn[each.key].name}-site-*",
    ]
  }

  # The functions' database login (its value is written by migrate, never by
  # Terraform).
  statement {
    sid       = "StageSecrets"
    actions   = ["secretsmanager:*"]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account}:secret:${local.arn[each.key].name}-*"]
  }

  statement {
    sid     = "StageLogGroups"
    actions = ["logs:*"]
    resources = [
      "${local.arn[each.key].logs}:/aws/lambda/${local.arn[each.key].name}-*",
      "${local.arn[each.key].logs}:/aws/apigateway/${local.arn[each.key].name}-*",
      "${local.arn[each.key].logs}:/aws/vpc/${local.arn[each.key].name}/*",
      "${local.arn[each.key].logs}:/aws/rds/instance/${local.arn[each.key].name}/*",
      # Named by API Gateway after the API's ID and the stage name.
      "${local.arn[each.key].logs}:API-Gateway-Execution-Logs_*/${each.key}",
      "${local.arn[each.key].logs}:API-Gateway-Execution-Logs_*/${each.key}:*",
    ]
  }

  statement {
    sid = "StageRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:PassRole",
    ]
    resources = ["arn:${local.partition}:iam::${local.account}:role/${local.arn[each.key].name}-*"]
  }

  statement {
    sid     = "StageDatabase"
    actions = ["rds:*"]
    resources = [
      "${local.arn[each.key].rds}:db:${local.arn[each.key].name}",
      "${local.arn[each.key].rds}:pg:${local.arn[each.key].name}-*",
      "${local.arn[each.key].rds}:subgrp:${local.arn[each.key].name}",
      "${local.arn[each.key].rds}:subgrp:${local.arn[each.key].name}-*",
      "${local.arn[each.key].rds}:snapshot:${local.arn[each.key].name}-*",
    ]
  }

  # RDS authorises creating and modifying an instance on its option group as
  # well; the stages use the engine's default one (og:default:mysql-8-0).
  statement {
    sid       = "DefaultOptionGroup"
    actions   = ["rds:CreateDBInstance", "rds:ModifyDBInstance"]
    resources = ["${local.arn[each.key].rds}:og:default:*"]
  }

  # A function that uses a layer needs GetLayerVersion on it, AWS's own
  # Parameters and Secrets extension included (published by an AWS account
  # per region, hence the account wildcard).
  statement {
    sid       = "ExtensionLayer"
    actions   = ["lambda:GetLayerVersion"]
    resources = ["arn:${local.partition}:lambda:${var.region}:*:layer:AWS-Parameters-and-Secrets-Lambda-Extension*:*"]
  }

  # RDS creates and deletes the master password's secret (rds!db-<id>) with
  # the caller's permissions.
  statement {
    sid       = "RdsManagedSecret"
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret", "secretsmanager:RotateSecret"]
    resources = ["arn:${local.partition}:secretsmanager:${var.region}:${local.account}:secret:rds!*"]
  }

  statement {
    sid       = "CreateTaggedForStage"
    actions   = ["ec2:*", "apigateway:POST", "apigateway:PUT", "cloudfront:*", "rds:CreateDBProxy", "rds:AddTagsToResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Stage"
      values   = [each.key]
    }
  }

  statement {
    sid       = "ManageTaggedStage"
    actions   = local.tag_scoped_actions
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Stage"
      values   = [each.key]
    }
  }

  # CloudFront's origin access controls and response headers policies take no
  # tags and carry only an ID in their ARN: nothing narrower than the kind
  # can be named.
  statement {
    sid = "SiteUntaggable"
    actions = [
      "cloudfront:CreateOriginAccessControl", "cloudfront:GetOriginAccessControl",
      "cloudfront:UpdateOriginAccessControl", "cloudfront:DeleteOriginAccessControl",
      "cloudfront:CreateResponseHeadersPolicy", "cloudfront:GetResponseHeadersPolicy",
      "cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy",
    ]
    resources = [
      "arn:${local.partition}:cloudfront::${local.account}:origin-access-control/*",
      "arn:${local.partition}:cloudfront::${local.account}:response-headers-policy/*",
    ]
  }

  # Reads that AWS does not scope to a resource (Describe*, List*).
  statement {
    sid = "Read"
    actions = [
      "sts:GetCallerIdentity", "ec2:Describe*", "apigateway:GET", "cloudfront:Get*", "cloudfront:List*",
      "logs:DescribeLogGroups", "rds:Describe*", "lambda:List*", "lambda:GetAccountSettings",
      "ses:GetIdentityVerificationAttributes", "iam:ListRoles", "kms:DescribeKey",
    ]
    resources = ["*"]
  }

  # The sender's SES identity is an e-mail address, not a stage name.
  statement {
    sid       = "SenderIdentity"
    actions   = ["ses:VerifyEmailIdentity", "ses:DeleteIdentity"]
    resources = ["arn:${local.partition}:ses:${var.region}:${local.account}:identity/*"]
  }

  # CodeDeploy reads the predefined configuration a deployment names
  # (canary, linear, all at once); they are AWS's, not the stage's.
  statement {
    sid       = "PredefinedDeploymentConfigs"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = ["arn:${local.partition}:codedeploy:${var.region}:${local.account}:deploymentconfig:CodeDeployDefault.*"]
  }

  # make deploy's preflight (deploy/preflight.py) reads the account's API
  # Gateway logging setting (apigateway:GET /account, in Read) and checks
  # that its role still exists: reads only, everything else is denied below.
  statement {
    sid       = "AccountLoggingRole"
    actions   = ["iam:GetRole"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/${local.apigateway_logs_role}"]
  }

  statement {
    sid         = "NoAccountSettings"
    effect      = "Deny"
    not_actions = ["apigateway:GET"]
    resources   = ["arn:${local.partition}:apigateway:${var.region}::/account"]
  }

  statement {
    sid         = "NoAccountLoggingRoleChange"
    effect      = "Deny"
    not_actions = ["iam:GetRole"]
    resources   = ["arn:${local.partition}:iam::${local.account}:role/${local.apigateway_logs_role}"]
  }

  statement {
    sid     = "NoAccountIdentity"
    effect  = "Deny"
    actions = ["iam:*"]
    resources = [
      "arn:${local.partition}:iam::${local.account}:role/${var.project}-ci-*",
      "arn:${local.partition}:iam::${local.account}:oidc-provider/*",
    ]
  }

  # The tag conditions above would otherwise let a stage's role tag another
  # stage's resource as its own (ec2:CreateTags with Stage = <stage>) and then
  # manage it: nothing already tagged for another stage may be touched.
  statement {
    sid       = "NoOtherStagesResources"
    effect    = "Deny"
    actions   = local.tag_scoped_actions
    resources = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:ResourceTag/Stage"
      values   = [each.key]
    }
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/Stage"
      values   = ["false"]
    }
  }
}
