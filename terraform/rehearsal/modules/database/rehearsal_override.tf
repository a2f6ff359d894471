# Rehearsal only. moto ignores the CA on create, so the provider would modify
# the new instance and wait for it twice (about 80 s); the default is kept.
resource "aws_db_instance" "this" {
  ca_cert_identifier = null

  # moto does not return performance_insights_enabled (prod turns it on), so
  # every plan would update the instance. The module's own ignore_changes is
  # repeated: an override replaces the whole list.
  lifecycle {
    ignore_changes = [final_snapshot_identifier, performance_insights_enabled]
  }
}

# moto does not return the parameters of a parameter group, so they would
# show as a change on every plan.
resource "aws_db_parameter_group" "this" {
  lifecycle {
    ignore_changes = [parameter]
  }
}

# moto does not return the description of a rule that references a security
# group, so both rules would show as a change on every plan.
resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_egress_rule" "clients_to_database" {
  lifecycle {
    ignore_changes = [description]
  }
}
