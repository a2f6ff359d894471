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

variable "region" {
  description = "Region of the VPC, used to name endpoint services."
  type        = string
}

variable "network" {
  description = "CIDR, availability zones, NAT mode (single, per_az or none), subnet sizes as newbits of the VPC CIDR, interface endpoints placed in the app subnets, and the flow log's retention in days."
  type = object({
    cidr_block         = string
    availability_zones = list(string)
    nat_mode           = string
    subnet_newbits = object({
      public   = number
      app      = number
      database = number
    })
    interface_endpoints     = set(string)
    flow_log_retention_days = number
  })
}

variable "app_subnets_need_internet" {
  description = "Whether something in the app subnets calls endpoints only reachable through the internet; then they must route to a NAT."
  type        = bool
}

variable "eni_demand" {
  description = "What the VPC functions put into each app subnet: their summed reserved concurrency and how many distinct security-group sets they use."
  type = object({
    concurrency         = number
    security_group_sets = number
  })
}
