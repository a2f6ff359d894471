output "parameter_name" {
  description = "Name of the config parameter."
  value       = aws_ssm_parameter.this.name
}

output "parameter_arn" {
  description = "ARN of the config parameter, the only one the functions may read."
  value       = aws_ssm_parameter.this.arn
}
