output "alarm_names" {
  description = "Names of every alarm this stage defines."
  value = concat(
    [aws_cloudwatch_metric_alarm.api_5xx.alarm_name, aws_cloudwatch_metric_alarm.rds_cpu.alarm_name, aws_cloudwatch_metric_alarm.rds_connections.alarm_name, aws_cloudwatch_metric_alarm.rds_free_storage.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_throttles : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.lambda_duration : a.alarm_name],
  )
}
