# Rehearsal only: moto creates CodeDeploy applications and deployment groups
# but cannot delete them (DeleteApplication and DeleteDeploymentGroup answer
# 500), so the rehearsal's destroy would fail. They are not created here;
# the offline plan tests check them, and the hook function and both roles
# are still applied and destroyed. moto also returns a function without its
# logging_config (every plan would update it).
resource "aws_codedeploy_app" "this" {
  count = 0
}

resource "aws_codedeploy_deployment_group" "api" {
  count    = 0
  app_name = "rehearsal"
}

output "application_name" {
  description = "Not created in the rehearsal (moto cannot delete it)."
  value       = "${var.name}-release (not created in the rehearsal)"
}

output "deployment_group_name" {
  description = "Not created in the rehearsal (moto cannot delete it)."
  value       = "${var.name}-api (not created in the rehearsal)"
}

output "deployment_config" {
  description = "The configuration the group would have."
  value       = var.settings.deployment_config
}

resource "aws_lambda_function" "hook" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}
