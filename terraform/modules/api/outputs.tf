output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "rest_api_name" {
  description = "Name of the REST API, the ApiName dimension of its metrics."
  value       = aws_api_gateway_rest_api.this.name
}

output "invoke_url" {
  description = "Base URL of the stage (https://<id>.execute-api.<region>.amazonaws.com/<stage>)."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "routes" {
  description = "Lambda-backed routes from the contract, keyed \"METHOD /path\": whether the stage caches them, and the stage/METHOD/path their invoke permission is scoped to (source_arn is the execution ARN followed by it)."
  value = {
    for key, op in local.proxy_routes : key => {
      cached           = op.cached && var.settings.cache.enabled
      execute_api_path = "${var.stage}/${op.source_suffix}"
      source_arn       = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage}/${op.source_suffix}"
    }
  }
}

output "admin_api_key_id" {
  description = "ID of the admin API key."
  value       = aws_api_gateway_api_key.admin.id
}

output "admin_api_key_value" {
  description = "The admin API key itself, for the x-api-key header."
  value       = aws_api_gateway_api_key.admin.value
  sensitive   = true
}

output "access_log_group_name" {
  description = "CloudWatch log group of the JSON access logs."
  value       = aws_cloudwatch_log_group.access.name
}
