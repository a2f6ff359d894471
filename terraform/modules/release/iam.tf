# The release's two roles: CodeDeploy's own, which shifts the api alias, and
# the hook's execution role. Each trusts only its service.
locals {
  roles = {
    codedeploy = {
      name        = "${var.name}-codedeploy"
      description = "CodeDeploy shifting ${var.api_function.name}'s alias"
      service     = "codedeploy.amazonaws.com"
    }
    hook = {
      name        = "${var.name}-pretraffic"
      description = "Execution role of the pre-traffic hook only"
      service     = "lambda.amazonaws.com"
    }
  }
}

data "aws_iam_policy_document" "assume" {
  for_each = local.roles

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name               = each.value.name
  description        = each.value.description
  assume_role_policy = data.aws_iam_policy_document.assume[each.key].json
}

# What CodeDeploy needs to shift the api alias (the managed
# AWSCodeDeployRoleForLambda grants it on every function and alarm).
data "aws_iam_policy_document" "codedeploy" {
  statement {
    sid       = "ShiftApiAlias"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
    resources = [var.api_function.arn, "${var.api_function.arn}:*"]
  }

  statement {
    sid       = "RunPreTrafficHook"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.hook.arn, "${aws_lambda_function.hook.arn}:*"]
  }

  statement {
    sid       = "WatchAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = [for a in var.alarms : a.arn]
  }
}

resource "aws_iam_role_policy" "codedeploy" {
  name   = "shift-api-alias"
  role   = aws_iam_role.this["codedeploy"].id
  policy = data.aws_iam_policy_document.codedeploy.json
}

data "aws_iam_policy_document" "hook" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.hook.arn}:*"]
  }

  statement {
    sid       = "ReadDeploymentReportHook"
    actions   = ["codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus"]
    resources = [local.deployment_group_arn]
  }

  # Any version of the api, never its alias: the hook tests a version
  # before the alias points at it.
  statement {
    sid       = "InvokeApiVersions"
    actions   = ["lambda:InvokeFunction"]
    resources = ["${var.api_function.arn}:*"]
  }
}

resource "aws_iam_role_policy" "hook" {
  name   = "least-privilege"
  role   = aws_iam_role.this["hook"].id
  policy = data.aws_iam_policy_document.hook.json
}
