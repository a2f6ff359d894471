#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is functions.<name>.log_retention_days, set per stage (7 days in dev up to 365 for prod migrations); a year of debug logs is cost without a reader.
  name              = "/aws/lambda/${var.function.name}"
  retention_in_days = var.function.settings.log_retention_days
}

#trivy:ignore:AVD-AWS-0066 Active tracing needs xray:PutTraceSegments on "*" (no resource-level support) in every role, against the rule that only the ENI statement names "*"; tracing is switched per stage at API Gateway (api.xray_tracing, on in prod).
resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116: A DLQ only catches asynchronous invocations: api (API Gateway) and the deploy's migrate runs are called synchronously and return errors to the caller; report, warmer and migrate's login rotation run on schedules whose next run redoes the work, and a failed run raises the Errors alarm.
  #checkov:skip=CKV_AWS_272: Packages are built deterministically from the reviewed commit and uploaded by Terraform with their SHA-256 in the plan; code signing needs an AWS Signer profile and an S3 signing step this deploy does not have.
  #checkov:skip=CKV_AWS_50: Active tracing needs xray:PutTraceSegments on "*" (no resource-level support) in every role, against the rule that only the ENI statement names "*"; tracing is switched per stage at API Gateway (api.xray_tracing, on in prod).
  #checkov:skip=CKV_AWS_117: Only the functions that reach the database sit in the VPC (design decision 6); the warmer calls only the Lambda API and would gain nothing but ENIs and a NAT path.
  #checkov:skip=CKV_AWS_173: The environment holds names, ARNs and timeouts, never a secret (the database password stays in Secrets Manager); Lambda encrypts it at rest with its service key.
  function_name = var.function.name
  description   = var.description
  role          = aws_iam_role.this.arn

  filename         = var.function.package.filename
  source_code_hash = var.function.package.source_code_hash
  handler          = var.function.package.handler
  runtime          = var.function.package.runtime
  architectures    = [var.function.settings.architecture]
  layers           = concat(var.function.package.layer_arns, local.extension_layer_arns)
  # Every code or configuration change becomes a numbered version, so the
  # alias can be moved back to the previous one.
  publish = true

  memory_size                    = var.function.settings.memory_mb
  timeout                        = var.function.settings.timeout_s
  reserved_concurrent_executions = var.function.settings.reserved_concurrency

  environment {
    variables = merge(var.environment, local.extension_environment)
  }

  # SnapStart snapshots each published version after its init; the runtime
  # hooks in shop/snapstart.py re-read config and secret after a restore.
  dynamic "snap_start" {
    for_each = var.function.settings.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  # Each line the code writes is already a JSON object with `level` and an
  # RFC 3339 `timestamp`, which Lambda's JSON format keeps as it is:
  # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  # The policy must exist before the first invocation writes logs or the
  # function tries to create its ENIs.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = local.extension == null || local.extension_version != null
      error_message = "The AWS Parameters and Secrets extension has no ${var.function.settings.architecture} layer in ${try(local.extension.region, "")} (terraform/modules/function/extension_layers.tf): use x86_64 for ${var.function.name}, or a region where it is published."
    }
    precondition {
      condition     = var.function.package.architecture == var.function.settings.architecture
      error_message = "${var.function.name} is configured for ${var.function.settings.architecture} but its package in build/manifest.json was built for ${var.function.package.architecture}: rebuild for ${var.function.settings.architecture} (`make build ARCH=${var.function.settings.architecture}`), or set functions.<name>.architecture in the stage's tfvars to ${var.function.package.architecture}."
    }
  }
}

# Created at the first version; later versions are moved onto the alias by
# the deploy (after the migrations; the api's through CodeDeploy), so
# Terraform never moves traffic nor fights CodeDeploy over it.
resource "aws_lambda_alias" "this" {
  name             = var.function.alias_name
  description      = "Stage ${var.function.alias_name}; rollback points it at an earlier version"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = var.function.settings.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.this.function_name
  qualifier                         = aws_lambda_alias.this.name
  provisioned_concurrent_executions = var.function.settings.provisioned_concurrency
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = var.schedules

  name                = "${var.function.name}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule_expression
  state               = each.value.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = var.schedules

  rule  = aws_cloudwatch_event_rule.schedule[each.key].name
  arn   = aws_lambda_alias.this.arn
  input = each.value.input
}

resource "aws_lambda_permission" "schedule" {
  for_each = var.schedules

  statement_id  = "events-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.this.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}
