# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.
# The root's variable is the one home of a tfvars object's defaults and
# validations; the module types the object it is handed with the attributes
# it reads and no optional() defaults, so it stays precise (a renamed or
# missing attribute fails at the module call) without a second copy of the
# defaults to keep in step.

variable "name" {
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string
}

variable "database" {
  description = "Instance size, storage, availability, backups, connection limit and budget headroom, names, and the RDS Proxy switch. `client` is read by the functions; here only its CA bundles (which one the functions trust) and connect timeout (the proxy's borrow timeout)."
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
