# Rehearsal only. moto has no CloudFront response headers policy API, so the
# policy is left out and the cache behaviour goes without it.
resource "aws_cloudfront_response_headers_policy" "this" {
  count = 0
}

resource "aws_cloudfront_distribution" "this" {
  # Nothing to wait for: moto deploys a distribution at once.
  wait_for_deployment = false

  # moto drops the origin's origin_access_control_id, answers a cache policy
  # with forwarded_values and adds an ssl_support_method: permanent diffs.
  lifecycle {
    ignore_changes = [origin, default_cache_behavior, viewer_certificate]
  }
}

# moto's policy evaluator treats a statement whose condition it cannot check
# as an explicit deny, so DenyPlainHttp (aws:SecureTransport) would lock
# Terraform out of config.json. The rehearsal keeps the CloudFront statement.
locals {
  deny_plain_http = false
}
