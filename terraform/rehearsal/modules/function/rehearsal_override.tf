# Rehearsal only: moto neither returns a function's logging_config nor its
# snap_start (every plan would publish a new version), nor implements
# provisioned concurrency. SnapStart is checked in the rehearsal's own plan.
resource "aws_lambda_function" "this" {
  lifecycle {
    ignore_changes = [logging_config, snap_start]
  }
}

resource "aws_lambda_provisioned_concurrency_config" "this" {
  count = 0
}

# moto has none of AWS's published layers, so CreateFunction with the
# Parameters and Secrets extension's layer (account 015030872274 in
# eu-west-1) fails with "LayerVersion does not exist". The rehearsal's
# functions go without it; its ARN per region and architecture is checked
# in the offline plans (tests/infra).
locals {
  extension_layer_arns = []
}
