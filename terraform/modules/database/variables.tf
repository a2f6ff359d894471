# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.
# The root's variable is the one home of a tfvars object's type, defaults
# and validations: a module handed such an object whole takes it as `any`
# and names the root variable in its description, rather than a second copy
# of the type to keep in step (Terraform has no type aliases). A renamed or
# missing attribute still fails the plan, where the module reads it.

variable "name" {
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string
}

variable "database" {
  # Typed here, unlike the other modules' tfvars objects: checkov reads a
  # module variable's attributes only when it is typed as an object. Typed
  # `any`, each of `var.database.<attribute>` reads as the whole object in
  # its source scan: the backup and Performance Insights checks then fail on
  # every stage, and the multi-AZ and deletion-protection checks on prod
  # (tests/scan).
  description = "The root's `database` variable, whose defaults and validations live there: instance size, storage, availability, backups, connection limit and budget headroom, names, and the RDS Proxy switch. `client` is read by the functions; here only its CA bundles (which one the functions trust) and connect timeout (the proxy's borrow timeout). Typed with the attributes this module reads, no optional() defaults."
  type = object({
    instance_class           = string
    engine_version           = string
    allocated_storage_gb     = number
    max_allocated_storage_gb = number
    multi_az                 = bool
    deletion_protection      = bool
    skip_final_snapshot      = bool
    backup_retention_days    = number
    log_retention_days       = number
    backup_window            = string
    maintenance_window       = string
    max_connections          = number
    connection_headroom      = number
    db_name                  = string
    master_username          = string
    enable_proxy             = bool
    performance_insights     = bool
    client = object({
      ca_bundle         = string
      proxy_ca_bundle   = string
      connect_timeout_s = number
    })
  })
}

variable "vpc_id" {
  description = "VPC of the database security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private database subnets, at least two zones."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group of the functions; the only source admitted on 3306."
  type        = string
}

variable "client_concurrency" {
  description = "Reserved concurrency of each function that opens database connections (one connection per environment at most)."
  type        = map(number)
}
