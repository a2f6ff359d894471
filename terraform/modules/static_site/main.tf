locals {
  # AWS-managed CachingOptimized policy; its ID is fixed across accounts.
  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  # The page may call any REST API of the stage's region. Naming the exact
  # API here would make the distribution wait for the API, whose CORS
  # allowlist already waits for the distribution's domain (a cycle).
  api_origins = "https://*.execute-api.${var.region}.amazonaws.com"
  # The rehearsal (terraform/rehearsal) sets it false: moto reads a condition
  # it cannot check, aws:SecureTransport, as a deny of every request.
  deny_plain_http = true
}

#trivy:ignore:AVD-AWS-0089 Only CloudFront (origin access control) reads the bucket and only deploy writes it; an access log would hold CloudFront fetches and uploads CloudTrail already records.
resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18: Only CloudFront (origin access control) reads the bucket and only deploy writes it; an access log would hold CloudFront fetches and uploads CloudTrail already records.
  #checkov:skip=CKV2_AWS_62: Nothing reacts to uploads: deploy uploads web/ and invalidates CloudFront itself.
  #checkov:skip=CKV_AWS_144: The bucket holds a build of web/ from git that deploy re-uploads in seconds; a replica in a second region would double storage for content that cannot be lost.
  #checkov:skip=CKV_AWS_145: The storefront is public content served to every visitor; SSE-S3 encrypts it at rest and lets origin access control read it without a KMS key policy.
  # Bucket names are global; the prefix keeps the naming scheme and AWS adds
  # a unique suffix.
  bucket_prefix = "${var.name}-site-"
  force_destroy = var.site.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

#trivy:ignore:AVD-AWS-0132 The storefront is public content served to every visitor; SSE-S3 encrypts it at rest and lets origin access control read it without a KMS key policy.
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # SSE-S3: CloudFront's origin access control reads it without a KMS grant.
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    # An upload interrupted during deploy leaves parts that are billed but
    # never listed as objects.
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

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

  dynamic "statement" {
    for_each = local.deny_plain_http ? ["DenyPlainHttp"] : []
    content {
      sid       = statement.value
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

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
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-site"
  description                       = "CloudFront signs its requests to the private site bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  name    = "${var.name}-security-headers"
  comment = "Security headers for the storefront"

  security_headers_config {
    content_security_policy {
      content_security_policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${local.api_origins}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
      override                = true
    }

    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

#trivy:ignore:AVD-AWS-0010 Standard logs need an ACL-enabled log bucket, against BucketOwnerEnforced everywhere; storefront requests carry no business data, and the API, which does, keeps JSON access logs.
#trivy:ignore:AVD-AWS-0011 Static files from CloudFront's cache, no application logic to shield; a web ACL per stage (about 5 USD a month plus rules and requests) is not in the design yet, and the API is throttled at its stage and usage plan.
resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_174: With the default *.cloudfront.net certificate CloudFront fixes the minimum protocol at TLSv1; TLSv1.2_2021 needs a custom domain with an ACM certificate, which the design does not have yet.
  #checkov:skip=CKV2_AWS_42: No custom domain yet: the storefront is served on its *.cloudfront.net name with the default certificate.
  #checkov:skip=CKV_AWS_68: Static files from CloudFront's cache, no application logic to shield; a web ACL per stage (about 5 USD a month plus rules and requests) is not in the design yet, and the API is throttled at its stage and usage plan.
  #checkov:skip=CKV2_AWS_47: Static files from CloudFront's cache, no application logic to shield; a web ACL per stage (about 5 USD a month plus rules and requests) is not in the design yet, and the API is throttled at its stage and usage plan.
  #checkov:skip=CKV_AWS_86: Standard logs need an ACL-enabled log bucket, against BucketOwnerEnforced everywhere; storefront requests carry no business data, and the API, which does, keeps JSON access logs.
  #checkov:skip=CKV_AWS_374: The shop sells wherever its customers are; no country is excluded.
  #checkov:skip=CKV_AWS_310: One origin bucket, rebuilt from git by deploy; failover would need a replicated bucket in a second region for static files.
  enabled             = true
  comment             = "${var.name} storefront"
  default_root_object = "index.html"
  price_class         = var.site.price_class
  http_version        = "http2and3"
  is_ipv6_enabled     = true

  origin {
    origin_id                = "site-bucket"
    domain_name              = aws_s3_bucket.this.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id       = "site-bucket"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    cache_policy_id        = local.caching_optimized_policy_id
    # one(): the rehearsal has no such policy (moto lacks its API).
    response_headers_policy_id = one(aws_cloudfront_response_headers_policy.this[*].id)
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

# The page reads its API base URL at run time (web/assets/api.js), so one
# build of web/ serves every stage. no-cache: a new API URL must not wait for
# CloudFront's TTL.
resource "aws_s3_object" "config" {
  bucket        = aws_s3_bucket.this.id
  key           = "config.json"
  content_type  = "application/json"
  cache_control = "no-cache"
  content = jsonencode({
    apiBaseUrl = var.api_base_url
    stage      = var.stage
  })
}
