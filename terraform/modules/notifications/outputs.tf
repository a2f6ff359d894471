output "topic_arn" {
  description = "ARN of the order events topic (order.created)."
  value       = aws_sns_topic.this.arn
}

output "alarm_topic_arn" {
  description = "ARN of the topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "sender_identity_arn" {
  description = "ARN of the SES identity of the sender address, the resource the functions may send as."
  value       = aws_ses_email_identity.this.arn
}
