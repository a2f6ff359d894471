locals {
  common = {
    period             = var.thresholds.period_seconds
    evaluation_periods = var.thresholds.evaluation_periods
    alarm_actions      = [var.alarm_topic_arn]
    ok_actions         = [var.alarm_topic_arn]
  }
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The API answered 5XX (function errors, timeouts or a saturated database)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = var.api.name, Stage = var.api.stage }
  statistic           = "Sum"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.api_5xx_threshold
  treat_missing_data  = "notBreaching"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = var.functions

  alarm_name          = "${each.value.name}-errors"
  alarm_description   = "${each.key} raised errors."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Sum"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.lambda_error_threshold
  treat_missing_data  = "notBreaching"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

# Throttles mean reserved concurrency (the database connection budget) is
# too small for the load, or the warmer asks for more than it allows.
resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = var.functions

  alarm_name          = "${each.value.name}-throttles"
  alarm_description   = "${each.key} was throttled at its reserved concurrency."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Sum"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  for_each = var.functions

  alarm_name          = "${each.value.name}-duration-near-timeout"
  alarm_description   = "${each.key} ran longer than ${var.thresholds.duration_alarm_ratio * 100}% of its ${each.value.timeout_s} s timeout."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Maximum"
  comparison_operator = "GreaterThanThreshold"
  threshold           = floor(each.value.timeout_s * 1000 * var.thresholds.duration_alarm_ratio)
  treat_missing_data  = "notBreaching"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-db-cpu"
  alarm_description   = "Database CPU above ${var.thresholds.rds_cpu_percent}%."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.database.instance_identifier }
  statistic           = "Average"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.rds_cpu_percent
  treat_missing_data  = "missing"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

resource "aws_cloudwatch_metric_alarm" "rds_connections" {
  alarm_name          = "${var.name}-db-connections"
  alarm_description   = "Database connections above ${var.thresholds.rds_connections_ratio * 100}% of max_connections ${var.database.max_connections}."
  namespace           = "AWS/RDS"
  metric_name         = "DatabaseConnections"
  dimensions          = { DBInstanceIdentifier = var.database.instance_identifier }
  statistic           = "Maximum"
  comparison_operator = "GreaterThanThreshold"
  threshold           = floor(var.database.max_connections * var.thresholds.rds_connections_ratio)
  treat_missing_data  = "missing"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${var.name}-db-free-storage"
  alarm_description   = "Database free storage below ${var.thresholds.rds_free_storage_gb} GB."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = var.database.instance_identifier }
  statistic           = "Minimum"
  comparison_operator = "LessThanThreshold"
  threshold           = var.thresholds.rds_free_storage_gb * 1024 * 1024 * 1024
  treat_missing_data  = "missing"
  period              = local.common.period
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}
