# A plain String: the config holds no secrets (the database password lives in
# Secrets Manager), and the functions re-read it after a TTL, so a change
# here takes effect without a code deploy.
resource "aws_ssm_parameter" "this" {
  #checkov:skip=CKV2_AWS_34: The app config holds no secret (the database password stays in Secrets Manager); a SecureString would add a KMS grant to every function role for nothing.
  name        = var.parameter_name
  description = "Application config read by the functions at run time"
  type        = "String"
  tier        = "Standard"
  data_type   = "text"
  value       = var.document
}
