output "stage" {
  description = "Stage of this state (the workspace)."
  value       = local.stage
}

output "api_base_url" {
  description = "Base URL of the stage's API (append /v1/...)."
  value       = module.api.invoke_url
}

output "api_id" {
  description = "ID of the REST API."
  value       = module.api.rest_api_id
}

output "api_routes" {
  description = "Lambda-backed routes from the contract, with their permission's source ARN and whether the stage caches them."
  value       = module.api.routes
}

output "api_access_log_group" {
  description = "Log group of the API's JSON access logs."
  value       = module.api.access_log_group_name
}

output "admin_api_key_id" {
  description = "ID of the admin API key (read its value with `terraform output -raw admin_api_key`)."
  value       = module.api.admin_api_key_id
}

output "admin_api_key" {
  description = "The admin API key for the x-api-key header."
  value       = module.api.admin_api_key_value
  sensitive   = true
}

output "functions" {
  description = "Every function by short name: name, stage alias, its ARN, the version this apply published, its log group, environment and extension layer (used by deploy, rollback and logs)."
  value = {
    for key, fn in {
      api     = module.api_function
      report  = module.report_function
      migrate = module.migrate_function
      warmer  = module.warmer_function
      } : key => {
      name        = fn.function_name
      alias       = fn.alias_name
      alias_arn   = fn.alias_arn
      version     = fn.function_version
      log_group   = fn.log_group_name
      environment = fn.environment
      # The Parameters and Secrets extension's layer, when attached.
      extension_layers = fn.extension_layer_arns
      timeout_s        = var.functions[key].timeout_s
    }
  }
}

output "config_parameter_name" {
  description = "SSM parameter holding the stage's app config."
  value       = module.config.parameter_name
}

output "database_endpoint" {
  description = "Host the functions connect to (RDS Proxy when enabled)."
  value       = module.database.client.host
}

output "database_secret_arn" {
  description = "ARN of the RDS-managed secret with the database credentials (never the password itself)."
  value       = module.database.secret_arn
}

output "database_connection_budget" {
  description = "Connections the functions may open plus headroom, against max_connections."
  value       = module.database.connection_budget
}

output "order_events_topic_arn" {
  description = "SNS topic of order events."
  value       = module.notifications.topic_arn
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = module.notifications.alarm_topic_arn
}

output "site_bucket" {
  description = "Private bucket that holds web/."
  value       = module.static_site.bucket_name
}

output "site_distribution_id" {
  description = "CloudFront distribution to invalidate after uploading web/."
  value       = module.static_site.distribution_id
}

output "site_url" {
  description = "HTTPS URL of the storefront."
  value       = module.static_site.url
}

output "vpc_id" {
  description = "ID of the stage's VPC."
  value       = module.network.vpc_id
}

output "release" {
  description = "What make deploy and make rollback use to move traffic: CodeDeploy application and group, its configuration, alarms, hook, and how many releases the history keeps."
  value = {
    application       = module.release.application_name
    deployment_group  = module.release.deployment_group_name
    deployment_config = module.release.deployment_config
    alarms            = module.release.alarm_names
    hook_function     = module.release.hook_function_name
    keep_releases     = module.release.keep_releases
  }
}
