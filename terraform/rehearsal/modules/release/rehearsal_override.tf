# Rehearsal only: moto returns a deployment group without its alarm
# configuration and with an empty load balancer block, and a function
# without its logging_config, so every plan would update them (and re-read
# the policies that depend on them).
resource "aws_codedeploy_deployment_group" "api" {
  lifecycle {
    ignore_changes = [alarm_configuration, load_balancer_info]
  }
}

resource "aws_lambda_function" "hook" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}
