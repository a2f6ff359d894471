# Rehearsal only. moto has no CloudFront response headers policy API, so the
# policy is left out and the cache behaviour is the real one without it.
resource "aws_cloudfront_response_headers_policy" "this" {
  count = 0
}

resource "aws_cloudfront_distribution" "this" {
  # Nothing to wait for: moto deploys a distribution at once.
  wait_for_deployment = false

  default_cache_behavior {
    target_origin_id       = "site-bucket"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    cache_policy_id        = local.caching_optimized_policy_id
  }

  # moto drops the origin's origin_access_control_id, answers a cache policy
  # with forwarded_values and adds an ssl_support_method: permanent diffs.
  lifecycle {
    ignore_changes = [origin, default_cache_behavior, viewer_certificate]
  }
}

# moto's policy evaluator treats a statement whose condition it cannot check
# as an explicit deny, so DenyPlainHttp (aws:SecureTransport) would lock
# Terraform out of config.json. The rehearsal keeps the CloudFront statement.
data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "CloudFrontReadsThroughOAC"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }
}
