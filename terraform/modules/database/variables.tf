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
  description = "The root's `database` variable as it types, defaults and validates it: instance size, storage, availability, backups, connection limit and budget headroom, names, and the RDS Proxy switch. `client` is read by the functions; here only its CA bundles (which one the functions trust) and connect timeout (the proxy's borrow timeout)."
  type        = any
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
