output "bucket_name" {
  description = "Name of the private site bucket (deploy uploads web/ here)."
  value       = aws_s3_bucket.this.bucket
}

output "distribution_id" {
  description = "CloudFront distribution ID (deploy invalidates it)."
  value       = aws_cloudfront_distribution.this.id
}

output "url" {
  description = "HTTPS URL of the storefront."
  value       = "https://${aws_cloudfront_distribution.this.domain_name}"
}
