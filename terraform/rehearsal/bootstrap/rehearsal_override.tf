# Rehearsal only (deploy/rehearsal_bootstrap.py): copied next to a scratch
# copy of terraform/bootstrap/ with ../provider_override.tf and ../rehearsal.tf.

# moto's policy evaluator treats a statement whose condition it cannot check
# as an explicit deny, so DenyPlainHttp (aws:SecureTransport) would lock the
# S3 backend out of the bucket. The plan tests check the policy instead.
resource "aws_s3_bucket_policy" "state" {
  count = 0
}

# The rehearsal ends by destroying the account's resources, bucket included.
resource "aws_s3_bucket" "state" {
  lifecycle {
    prevent_destroy = false
  }
}

# moto's UpdateAccount fails (HTTP 500) on the patch that clears
# cloudwatchRoleArn, which reset_on_delete sends on destroy. The plan tests
# assert reset_on_delete = true; here the destroy leaves the setting naming
# a deleted role, and the readback shows `make deploy`'s preflight refusing it.
resource "aws_api_gateway_account" "this" {
  reset_on_delete = false
}
