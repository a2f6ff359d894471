output "alarm_names" {
  description = "Names of every alarm this stage defines."
  value = concat(
    [aws_cloudwatch_metric_alarm.api_5xx.alarm_name, aws_cloudwatch_metric_alarm.rds_cpu.alarm_name, aws_cloudwatch_metric_alarm.rds_connections.alarm_name, aws_cloudwatch_metric_alarm.rds_free_storage.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_throttles : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_duration : a.alarm_name],
    [aws_cloudwatch_metric_alarm.outbox_backlog_age.alarm_name, aws_cloudwatch_metric_alarm.notifications_parked.alarm_name, aws_cloudwatch_metric_alarm.unavailable_rate.alarm_name],
  )
}

output "dashboard_name" {
  description = "Name of the stage's CloudWatch dashboard (orders, notifications, outbox, database, 503s by cause)."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "api_alarms" {
  description = "The api's error and latency alarms and the REST API's 5xx alarm (name and ARN), which stop a deployment of the api."
  value = [for a in [aws_cloudwatch_metric_alarm.lambda_errors["api"], aws_cloudwatch_metric_alarm.lambda_duration["api"], aws_cloudwatch_metric_alarm.api_5xx] : {
    name = a.alarm_name
    arn  = a.arn
  }]
}
