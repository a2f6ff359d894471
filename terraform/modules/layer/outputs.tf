output "layer_version_arn" {
  description = "ARN of this layer version, for the functions' layers list."
  value       = aws_lambda_layer_version.this.arn
}
