provider "aws" {
  region = var.region

  # A stage may live in its own account: the state stays in the tooling
  # account's bucket while resources are created through this role.
  dynamic "assume_role" {
    for_each = var.assume_role == null ? [] : [var.assume_role]
    content {
      role_arn     = assume_role.value.role_arn
      session_name = assume_role.value.session_name
      external_id  = assume_role.value.external_id
    }
  }

  default_tags {
    tags = merge(var.tags, {
      Project   = var.project
      Stage     = local.stage
      ManagedBy = "terraform"
    })
  }
}
