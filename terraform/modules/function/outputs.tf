output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_version" {
  description = "Version published by this apply, the alias target."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the stage alias."
  value       = aws_lambda_alias.this.name
}

output "alias_arn" {
  description = "Qualified ARN of the stage alias, what callers invoke."
  value       = aws_lambda_alias.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "environment" {
  description = "Environment variables the function runs with (no secrets: the database password stays in Secrets Manager)."
  value       = merge(var.environment, local.extension_environment)
}

output "extension_layer_arns" {
  description = "The AWS Parameters and Secrets extension layer attached to the function (empty when none)."
  value       = local.extension_layer_arns
}
