# Traffic to a new api version moves through CodeDeploy, not through
# Terraform: the function module publishes versions and leaves the alias's
# version to the deploy, which starts a deployment of this group
# (deploy/canary.py). CodeDeploy runs the pre-traffic hook, shifts the
# alias by the stage's configuration, watches the alarms and rolls back by
# itself.
# Named <project>-<stage>-release so the stage's CI apply role, scoped to
# <project>-<stage>-* (terraform/bootstrap), may use it.
locals {
  application      = "${var.name}-release"
  deployment_group = "${var.name}-api"
  # The group's ARN, built from the names in the api function's partition,
  # region and account rather than read from the group: the hook's policy
  # (iam.tf) then holds in the rehearsal too, which creates no group
  # (terraform/rehearsal/modules/release).
  api_arn              = split(":", var.api_function.arn)
  deployment_group_arn = "arn:${local.api_arn[1]}:codedeploy:${local.api_arn[3]}:${local.api_arn[4]}:deploymentgroup:${local.application}/${local.deployment_group}"
}

resource "aws_codedeploy_app" "this" {
  name             = local.application
  compute_platform = "Lambda"
}

resource "aws_codedeploy_deployment_group" "api" {
  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = local.deployment_group
  service_role_arn       = aws_iam_role.this["codedeploy"].arn
  deployment_config_name = var.settings.deployment_config

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms  = [for a in var.alarms : a.name]
  }
}

#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "hook" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: The hook logs one line per deployment; release.hook_log_retention_days keeps them as long as the stage needs.
  name              = "/aws/lambda/${var.name}-pretraffic"
  retention_in_days = var.settings.hook_log_retention_days
}

#trivy:ignore:AVD-AWS-0066 Active tracing needs xray:PutTraceSegments on "*" (no resource-level support), against the rule that only the ENI statement names "*"; one call per deployment needs no trace.
resource "aws_lambda_function" "hook" {
  #checkov:skip=CKV_AWS_116: CodeDeploy invokes the hook synchronously and fails the deployment (rolling back) when it does not answer; a DLQ would hold nothing to replay.
  #checkov:skip=CKV_AWS_272: Packages are built deterministically from the reviewed commit and uploaded by Terraform with their SHA-256 in the plan; code signing needs an AWS Signer profile and an S3 signing step this deploy does not have.
  #checkov:skip=CKV_AWS_50: Active tracing needs xray:PutTraceSegments on "*" (no resource-level support), against the rule that only the ENI statement names "*"; one call per deployment needs no trace.
  #checkov:skip=CKV_AWS_117: The hook calls only the CodeDeploy and Lambda APIs; in the VPC it would gain nothing but ENIs and a NAT path.
  #checkov:skip=CKV_AWS_173: The environment holds no secret, only the api function's name; Lambda encrypts it at rest with its service key.
  function_name = "${var.name}-pretraffic"
  description   = "CodeDeploy BeforeAllowTraffic hook: smoke-tests a new api version before it gets traffic"
  role          = aws_iam_role.this["hook"].arn

  filename         = var.hook_package.filename
  source_code_hash = var.hook_package.source_code_hash
  handler          = var.hook_package.handler
  runtime          = var.hook_package.runtime
  architectures    = [var.hook_package.architecture]

  memory_size                    = 128
  timeout                        = var.settings.hook_timeout_s
  reserved_concurrent_executions = 1

  environment {
    variables = { SHOP_HOOK_FUNCTION = var.api_function.name }
  }

  # Its verdict line is one JSON object with the other functions' keys
  # (shop/logs.py); Lambda's JSON format passes it through as it is.
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.hook.name
  }

  depends_on = [aws_iam_role_policy.hook]
}
