# Alarms and a dashboard on the functions' own metrics, which they write as
# Embedded Metric Format in their log lines (functions/shop/metrics.py; the
# names below are a contract with it, checked by tests/infra).

locals {
  # The namespace and dimension functions/shop/metrics.py writes under.
  app_namespace  = "Shop"
  app_dimensions = { Stage = var.stage }
}

# Joined to local.metric_alarms (main.tf).
locals {
  application_alarms = {
    # Orders whose e-mail or event waits: the relay is down, or SNS/SES are.
    "outbox-backlog-age" = {
      alarm_description   = "The oldest unsent order notification is older than ${var.thresholds.outbox_backlog_age_s} s: check the relay (report function) and SNS/SES."
      namespace           = local.app_namespace
      metric_name         = "OutboxBacklogAge"
      dimensions          = local.app_dimensions
      statistic           = "Maximum"
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.thresholds.outbox_backlog_age_s
      # The relay reports the backlog on every run; silence means it is not running.
      treat_missing_data = var.relay_enabled ? "breaching" : "notBreaching"
    }
    # A parked notification was given up after its last attempt: a person decides.
    "notifications-parked" = {
      alarm_description  = "A notification was parked after its last attempt (status 'parked' in the outbox, last_error says why)."
      namespace          = local.app_namespace
      metric_name        = "NotificationsParked"
      dimensions         = local.app_dimensions
      threshold          = 1
      evaluation_periods = 1
    }
  }
}

# The share of API requests the functions answered 503 (database down,
# saturated, refusing the credentials...), whatever the cause.
resource "aws_cloudwatch_metric_alarm" "unavailable_rate" {
  alarm_name          = "${var.name}-api-503-rate"
  alarm_description   = "More than ${var.thresholds.unavailable_rate_percent}% of API requests answered 503; the dashboard splits them by cause."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.unavailable_rate_percent
  treat_missing_data  = "notBreaching"
  evaluation_periods  = local.common.evaluation_periods
  alarm_actions       = local.common.alarm_actions
  ok_actions          = local.common.ok_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * unavailable / requests, 0)"
    label       = "503 share of requests (%)"
    return_data = true
  }

  metric_query {
    id = "unavailable"
    metric {
      namespace   = local.app_namespace
      metric_name = "ServiceUnavailable"
      dimensions  = local.app_dimensions
      stat        = "Sum"
      period      = local.common.period
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiName = var.api_name, Stage = var.stage }
      stat        = "Sum"
      period      = local.common.period
    }
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for i, w in local.widgets : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title   = w.title
          region  = var.region
          view    = "timeSeries"
          stat    = w.stat
          period  = local.common.period
          metrics = w.metrics
        }
      }
    ]
  })
}

locals {
  widgets = [
    { title = "Orders placed", stat = "Sum", metrics = [[local.app_namespace, "OrdersPlaced", "Stage", var.stage]] },
    { title = "Order value", stat = "Sum", metrics = [[local.app_namespace, "OrderValue", "Stage", var.stage]] },
    { title = "Out-of-stock refusals", stat = "Sum", metrics = [[local.app_namespace, "OutOfStockRefusals", "Stage", var.stage]] },
    {
      title = "Notifications", stat = "Sum", metrics = [
        [local.app_namespace, "NotificationsSent", "Stage", var.stage],
        [local.app_namespace, "NotificationsFailed", "Stage", var.stage],
        [local.app_namespace, "NotificationsDeferred", "Stage", var.stage],
        [local.app_namespace, "NotificationsParked", "Stage", var.stage],
      ]
    },
    {
      title = "Outbox backlog (rows, oldest age s)", stat = "Maximum", metrics = [
        [local.app_namespace, "OutboxBacklog", "Stage", var.stage],
        [local.app_namespace, "OutboxBacklogAge", "Stage", var.stage, { yAxis = "right" }],
      ]
    },
    {
      title = "Database connect time (ms)", stat = "p50", metrics = [
        [local.app_namespace, "DatabaseConnectTime", "Stage", var.stage],
        [local.app_namespace, "DatabaseConnectTime", "Stage", var.stage, { stat = "p99" }],
      ]
    },
    {
      title = "503s by cause", stat = "Sum", metrics = [
        [{ expression = "SEARCH('{${local.app_namespace},Stage,Cause} MetricName=\"ServiceUnavailable\" Stage=\"${var.stage}\"', 'Sum', ${local.common.period})", id = "bycause" }],
      ]
    },
    {
      title = "API requests and 5XX", stat = "Sum", metrics = [
        ["AWS/ApiGateway", "Count", "ApiName", var.api_name, "Stage", var.stage],
        ["AWS/ApiGateway", "5XXError", "ApiName", var.api_name, "Stage", var.stage],
      ]
    },
  ]
}
