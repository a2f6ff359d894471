resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.settings.log_retention_days
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this.arn

  filename         = var.package.filename
  source_code_hash = var.package.source_code_hash
  handler          = var.package.handler
  runtime          = var.package.runtime
  architectures    = [var.settings.architecture]
  layers           = var.package.layer_arns
  # Every code or configuration change becomes a numbered version, so the
  # alias can be moved back to the previous one.
  publish = true

  memory_size                    = var.settings.memory_mb
  timeout                        = var.settings.timeout_s
  reserved_concurrent_executions = var.settings.reserved_concurrency

  environment {
    variables = var.environment
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  # The policy must exist before the first invocation writes logs or the
  # function tries to create its ENIs.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = var.package.architecture == var.settings.architecture
      error_message = "${var.name} is configured for ${var.settings.architecture} but its package in build/manifest.json was built for ${var.package.architecture}: rebuild for ${var.settings.architecture} (`make build ARCH=${var.settings.architecture}`), or set functions.<name>.architecture in the stage's tfvars to ${var.package.architecture}."
    }
  }
}

resource "aws_lambda_alias" "this" {
  name             = var.alias_name
  description      = "Stage ${var.alias_name}; rollback points it at an earlier version"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = var.settings.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_alias.this.function_name
  qualifier                         = aws_lambda_alias.this.name
  provisioned_concurrent_executions = var.settings.provisioned_concurrency
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = var.schedules

  name                = "${var.name}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule_expression
  state               = each.value.enabled ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = var.schedules

  rule = aws_cloudwatch_event_rule.schedule[each.key].name
  arn  = aws_lambda_alias.this.arn
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
