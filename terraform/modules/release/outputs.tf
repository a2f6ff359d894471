output "application_name" {
  description = "CodeDeploy application of the stage."
  value       = aws_codedeploy_app.this.name
}

output "deployment_group_name" {
  description = "CodeDeploy deployment group that shifts the api alias."
  value       = aws_codedeploy_deployment_group.api.deployment_group_name
}

output "deployment_config" {
  description = "How the group moves traffic (canary, linear or all at once)."
  value       = aws_codedeploy_deployment_group.api.deployment_config_name
}

output "alarm_names" {
  description = "Alarms that stop and roll back a deployment."
  value       = [for a in var.alarms : a.name]
}

output "hook_function_name" {
  description = "The BeforeAllowTraffic hook named in every AppSpec."
  value       = aws_lambda_function.hook.function_name
}

output "keep_releases" {
  description = "How many releases the history keeps (older versions are pruned)."
  value       = var.settings.keep_releases
}
