# What exists once per account and region, never in a stage: the bucket
# holding every state, API Gateway's logging role (an account setting every
# REST API of the region shares) and the identity CI deploys with. A stage
# that created these would fight the other stages over them, or take them
# away on destroy.

# ARNs are built from the names rather than read from the resources, so
# every policy is known at plan time and shows in the plan review.
locals {
  partition            = "aws"
  account              = var.account_id
  state_arn            = "arn:${local.partition}:s3:::${var.state_bucket}"
  apigateway_logs_role = "${var.project}-apigateway-logs"
}

# --- State bucket -----------------------------------------------------------

#trivy:ignore:AVD-AWS-0089 Access logging of the state bucket would need a second bucket per account; CloudTrail data events are the audit trail if one is wanted.
resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18: Access logging of the state bucket would need a second bucket per account; CloudTrail data events are the audit trail if one is wanted.
  #checkov:skip=CKV_AWS_144: One region holds the stages and their state; cross-region replication doubles the cost for a region-wide outage that stops the stages too.
  #checkov:skip=CKV_AWS_145: SSE-S3 (AES256) encrypts every state at rest; a customer-managed key adds a key policy to keep right and no reader this protects against.
  #checkov:skip=CKV2_AWS_62: Nothing reacts to state writes; event notifications would have no consumer.
  bucket = var.state_bucket

  # Every stage's state lives here: Terraform refuses to destroy it.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

#trivy:ignore:AVD-AWS-0132 SSE-S3 (AES256) encrypts every state at rest; a customer-managed key adds a key policy to keep right and no reader this protects against.
resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Old state versions are the way back from a bad apply; kept for a while,
# not forever. Lock files are deleted by Terraform itself.
resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.state_arn, "${local.state_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- API Gateway's CloudWatch Logs role (one per account and region) -----------

data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "apigateway_logs" {
  # Shared by every REST API of the region, so scoped to the log groups API
  # Gateway writes, not to one stage's: the execution logs
  # (API-Gateway-Execution-Logs_<api id>/<stage>, named by API Gateway) and
  # the JSON access logs (/aws/apigateway/..., declared by each stage).
  statement {
    sid = "PushApiGatewayLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:FilterLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:API-Gateway-Execution-Logs_*",
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:API-Gateway-Execution-Logs_*:log-stream:*",
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/apigateway/*",
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/apigateway/*:log-stream:*",
    ]
  }
}

resource "aws_iam_role" "apigateway_logs" {
  name               = local.apigateway_logs_role
  description        = "API Gateway writes execution and access logs of every REST API in ${var.region} through this role"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

resource "aws_iam_role_policy" "apigateway_logs" {
  name   = "push-logs"
  role   = aws_iam_role.apigateway_logs.id
  policy = data.aws_iam_policy_document.apigateway_logs.json
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_logs.arn
  # A destroy takes the role out of the account setting instead of leaving
  # it pointing at a deleted role.
  reset_on_delete = true

  # The role must be able to write before API Gateway checks it.
  depends_on = [aws_iam_role_policy.apigateway_logs]
}
