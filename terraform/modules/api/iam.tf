# API Gateway writes access and execution logs through one role per account
# and region (aws_api_gateway_account is a singleton), so only one stage per
# account creates it; see api.create_cloudwatch_role in docs/terraform.md.
data "aws_iam_policy_document" "cloudwatch_assume" {
  count = var.settings.create_cloudwatch_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "cloudwatch" {
  count = var.settings.create_cloudwatch_role ? 1 : 0

  # The role is shared by every API of the account in this region, so it is
  # scoped to the log groups API Gateway writes, not to this stage's: the
  # execution logs (API-Gateway-Execution-Logs_<api id>/<stage>, named by API
  # Gateway) and the JSON access logs (/aws/apigateway/..., created here).
  # The account is a wildcard because the offline plan never looks it up.
  statement {
    sid = "PushApiGatewayLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
    ]
    resources = [
      "arn:aws:logs:${var.region}:*:log-group:API-Gateway-Execution-Logs_*",
      "arn:aws:logs:${var.region}:*:log-group:API-Gateway-Execution-Logs_*:log-stream:*",
      "arn:aws:logs:${var.region}:*:log-group:/aws/apigateway/*",
      "arn:aws:logs:${var.region}:*:log-group:/aws/apigateway/*:log-stream:*",
    ]
  }
}

resource "aws_iam_role" "cloudwatch" {
  count = var.settings.create_cloudwatch_role ? 1 : 0

  name               = "${var.name}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.cloudwatch_assume[0].json
}

resource "aws_iam_role_policy" "cloudwatch" {
  count = var.settings.create_cloudwatch_role ? 1 : 0

  name   = "push-logs"
  role   = aws_iam_role.cloudwatch[0].id
  policy = data.aws_iam_policy_document.cloudwatch[0].json
}

resource "aws_api_gateway_account" "this" {
  count = var.settings.create_cloudwatch_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.cloudwatch[0].arn
}
