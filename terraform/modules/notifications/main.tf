#trivy:ignore:AVD-AWS-0136 Encrypted with the AWS-managed SNS key; publishers and subscribers are in the account, so a customer-managed key would add a key policy naming the account without narrowing who reads.
resource "aws_sns_topic" "this" {
  name              = "${var.name}-order-events"
  kms_master_key_id = "alias/aws/sns"
}

# Not encrypted with the AWS-managed key on purpose: CloudWatch alarms
# cannot publish to a topic encrypted with it, and alarms carry no personal
# data.
#trivy:ignore:AVD-AWS-0095 CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, a customer-managed key needs a key policy naming the account, and alarm messages carry no personal data.
resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, a customer-managed key needs a key policy naming the account, and alarm messages carry no personal data.
  name = "${var.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_ses_email_identity" "this" {
  email = var.sender_email
}
