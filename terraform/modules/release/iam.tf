# The service that may assume each role: CodeDeploy its own, Lambda the
# hook's execution role.
data "aws_iam_policy_document" "assume" {
  for_each = { codedeploy = "codedeploy.amazonaws.com", hook = "lambda.amazonaws.com" }

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value]
    }
  }
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

resource "aws_iam_role" "codedeploy" {
  name               = "${var.name}-codedeploy"
  description        = "CodeDeploy shifting ${var.api_function.name}'s alias"
  assume_role_policy = data.aws_iam_policy_document.assume["codedeploy"].json
}

resource "aws_iam_role_policy" "codedeploy" {
  name   = "shift-api-alias"
  role   = aws_iam_role.codedeploy.id
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
    resources = [aws_codedeploy_deployment_group.api.arn]
  }

  # Any version of the api, never its alias: the hook tests a version
  # before the alias points at it.
  statement {
    sid       = "InvokeApiVersions"
    actions   = ["lambda:InvokeFunction"]
    resources = ["${var.api_function.arn}:*"]
  }
}

resource "aws_iam_role" "hook" {
  name               = "${var.name}-pretraffic"
  description        = "Execution role of the pre-traffic hook only"
  assume_role_policy = data.aws_iam_policy_document.assume["hook"].json
}

resource "aws_iam_role_policy" "hook" {
  name   = "least-privilege"
  role   = aws_iam_role.hook.id
  policy = data.aws_iam_policy_document.hook.json
}
