output "api_alarms" {
  description = "The api's error and latency alarms and the REST API's 5xx alarm (name and ARN), which stop a deployment of the api."
  value = [for a in [for key in ["api-errors", "api-duration-near-timeout", "api-5xx"] : aws_cloudwatch_metric_alarm.this[key]] : {
    name = a.alarm_name
    arn  = a.arn
  }]
}
