locals {
  common = {
    period             = var.thresholds.period_seconds
    evaluation_periods = var.thresholds.evaluation_periods
    alarm_actions      = [var.alarm_topic_arn]
    ok_actions         = [var.alarm_topic_arn]
  }
}

# Every single-metric alarm, keyed by its name after the stage prefix. The
# application's own alarms (application.tf) join the same map. An entry
# states what differs from the defaults in local.metric_alarms: most alarms
# count events (a Sum at or above a threshold), and no data is no trouble.
locals {
  # Three alarms per function. Throttles mean reserved concurrency (the
  # database connection budget) is too small for the load, or the warmer asks
  # for more than it allows.
  lambda_alarm_kinds = {
    for key, fn in var.functions : key => {
      errors = {
        alarm_description = "${key} raised errors."
        metric_name       = "Errors"
        threshold         = var.thresholds.lambda_error_threshold
      }
      throttles = {
        alarm_description = "${key} was throttled at its reserved concurrency."
        metric_name       = "Throttles"
        threshold         = 1
      }
      duration-near-timeout = {
        alarm_description   = "${key} ran longer than ${var.thresholds.duration_alarm_ratio * 100}% of its ${fn.timeout_s} s timeout."
        metric_name         = "Duration"
        statistic           = "Maximum"
        comparison_operator = "GreaterThanThreshold"
        threshold           = floor(fn.timeout_s * 1000 * var.thresholds.duration_alarm_ratio)
      }
    }
  }

  lambda_alarms = merge([
    for key, kinds in local.lambda_alarm_kinds : {
      for kind, alarm in kinds : "${key}-${kind}" => merge(alarm, {
        alarm_name = "${var.functions[key].name}-${kind}"
        namespace  = "AWS/Lambda"
        dimensions = { FunctionName = var.functions[key].name }
      })
    }
  ]...)

  database_dimensions = { DBInstanceIdentifier = var.database.instance_identifier }

  service_alarms = {
    "api-5xx" = {
      alarm_description = "The API answered 5XX (function errors, timeouts or a saturated database)."
      namespace         = "AWS/ApiGateway"
      metric_name       = "5XXError"
      dimensions        = { ApiName = var.api_name, Stage = var.stage }
      threshold         = var.thresholds.api_5xx_threshold
    }
    "db-cpu" = {
      alarm_description   = "Database CPU above ${var.thresholds.rds_cpu_percent}%."
      namespace           = "AWS/RDS"
      metric_name         = "CPUUtilization"
      dimensions          = local.database_dimensions
      statistic           = "Average"
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.thresholds.rds_cpu_percent
      treat_missing_data  = "missing"
    }
    "db-connections" = {
      alarm_description   = "Database connections above ${var.thresholds.rds_connections_ratio * 100}% of max_connections ${var.database.max_connections}."
      namespace           = "AWS/RDS"
      metric_name         = "DatabaseConnections"
      dimensions          = local.database_dimensions
      statistic           = "Maximum"
      comparison_operator = "GreaterThanThreshold"
      threshold           = floor(var.database.max_connections * var.thresholds.rds_connections_ratio)
      treat_missing_data  = "missing"
    }
    "db-free-storage" = {
      alarm_description   = "Database free storage below ${var.thresholds.rds_free_storage_gb} GB."
      namespace           = "AWS/RDS"
      metric_name         = "FreeStorageSpace"
      dimensions          = local.database_dimensions
      statistic           = "Minimum"
      comparison_operator = "LessThanThreshold"
      threshold           = var.thresholds.rds_free_storage_gb * 1024 * 1024 * 1024
      treat_missing_data  = "missing"
    }
  }

  metric_alarms = {
    for key, alarm in merge(local.service_alarms, local.lambda_alarms, local.application_alarms) : key => merge(
      {
        alarm_name          = "${var.name}-${key}"
        statistic           = "Sum"
        comparison_operator = "GreaterThanOrEqualToThreshold"
        treat_missing_data  = "notBreaching"
        evaluation_periods  = local.common.evaluation_periods
      },
      alarm,
    )
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.metric_alarms

  alarm_name          = each.value.alarm_name
  alarm_description   = each.value.alarm_description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  period              = local.common.period
  evaluation_periods  = each.value.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions
}

