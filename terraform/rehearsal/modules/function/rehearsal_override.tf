# Rehearsal only: moto neither returns a function's logging_config (every plan
# would publish a new version) nor implements provisioned concurrency.
resource "aws_lambda_function" "this" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}

resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = 0
}
