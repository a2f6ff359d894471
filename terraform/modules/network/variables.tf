# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); only what the root derives is checked here.

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
    subnet_newbits = optional(object({
      public   = optional(number, 8)
      app      = optional(number, 4)
      database = optional(number, 8)
    }), {})
    interface_endpoints     = optional(set(string), [])
    flow_log_retention_days = optional(number, 30)
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

  validation {
    condition     = var.eni_demand.concurrency >= 0 && var.eni_demand.security_group_sets >= 1
    error_message = "eni_demand.concurrency must be >= 0 and security_group_sets >= 1."
  }
}
