# Rehearsal only: moto returns neither a deployment group's alarm
# configuration nor a function's logging_config, so every plan would update
# them (and re-read the policies that depend on them).
resource "aws_codedeploy_deployment_group" "api" {
  lifecycle {
    ignore_changes = [alarm_configuration]
  }
}

resource "aws_lambda_function" "hook" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}
