# Each alarm had a resource of its own (one per function for the Lambda
# ones) before they became one map: state follows them here, nothing is
# replaced.

moved {
  from = aws_cloudwatch_metric_alarm.api_5xx
  to   = aws_cloudwatch_metric_alarm.this["api-5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.rds_cpu
  to   = aws_cloudwatch_metric_alarm.this["db-cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.rds_connections
  to   = aws_cloudwatch_metric_alarm.this["db-connections"]
}

moved {
  from = aws_cloudwatch_metric_alarm.rds_free_storage
  to   = aws_cloudwatch_metric_alarm.this["db-free-storage"]
}

moved {
  from = aws_cloudwatch_metric_alarm.outbox_backlog_age
  to   = aws_cloudwatch_metric_alarm.this["outbox-backlog-age"]
}

moved {
  from = aws_cloudwatch_metric_alarm.notifications_parked
  to   = aws_cloudwatch_metric_alarm.this["notifications-parked"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_duration["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-duration-near-timeout"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors["report"]
  to   = aws_cloudwatch_metric_alarm.this["report-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles["report"]
  to   = aws_cloudwatch_metric_alarm.this["report-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_duration["report"]
  to   = aws_cloudwatch_metric_alarm.this["report-duration-near-timeout"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors["migrate"]
  to   = aws_cloudwatch_metric_alarm.this["migrate-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles["migrate"]
  to   = aws_cloudwatch_metric_alarm.this["migrate-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_duration["migrate"]
  to   = aws_cloudwatch_metric_alarm.this["migrate-duration-near-timeout"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_errors["warmer"]
  to   = aws_cloudwatch_metric_alarm.this["warmer-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_throttles["warmer"]
  to   = aws_cloudwatch_metric_alarm.this["warmer-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.lambda_duration["warmer"]
  to   = aws_cloudwatch_metric_alarm.this["warmer-duration-near-timeout"]
}
