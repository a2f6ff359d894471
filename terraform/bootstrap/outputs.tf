output "state_bucket" {
  description = "The bucket every stage keeps its state in: `bucket` of terraform/backend.hcl."
  value       = aws_s3_bucket.state.bucket
}

output "backend_config" {
  description = "terraform/backend.hcl for the stages, as `make bootstrap` writes it."
  value       = "bucket = \"${aws_s3_bucket.state.bucket}\"\nregion = \"${var.region}\"\n"
}

output "apigateway_cloudwatch_role_arn" {
  description = "The role API Gateway logs through, set as the account's cloudwatchRoleArn in this region (checked by `make deploy`'s preflight)."
  value       = aws_iam_role.apigateway_logs.arn
}

output "github_oidc_provider_arn" {
  description = "IAM OIDC provider of GitHub Actions (token.actions.githubusercontent.com) the CI roles trust."
  value       = local.github_oidc_arn
}

output "ci_plan_role_arn" {
  description = "Role for GitHub Actions to plan every stage (read-only, any workflow of the repository): role-to-assume of aws-actions/configure-aws-credentials in pull-request workflows."
  value       = aws_iam_role.ci_plan.arn
}

output "ci_apply_role_arns" {
  description = "Per stage, the role a GitHub Actions job running in the environment of that name assumes to deploy it (role-to-assume); each may change only that stage's resources."
  value       = { for stage, role in aws_iam_role.ci_apply : stage => role.arn }
}
