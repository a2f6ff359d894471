output "alarm_names" {
  description = "Names of every alarm this stage defines."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name],
    [aws_cloudwatch_metric_alarm.unavailable_rate.alarm_name],
  )
}

output "dashboard_name" {
  description = "Name of the stage's CloudWatch dashboard (orders, notifications, outbox, database, 503s by cause)."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "api_alarms" {
  description = "The api's error and latency alarms and the REST API's 5xx alarm (name and ARN), which stop a deployment of the api."
  value = [for a in [for key in ["api-errors", "api-duration-near-timeout", "api-5xx"] : aws_cloudwatch_metric_alarm.this[key]] : {
    name = a.alarm_name
    arn  = a.arn
  }]
}
