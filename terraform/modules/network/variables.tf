variable "name" {
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits and dashes."
  }
}

variable "region" {
  description = "Region of the VPC, used to name endpoint services."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
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

  validation {
    condition     = can(cidrnetmask(var.network.cidr_block))
    error_message = "network.cidr_block must be an IPv4 CIDR."
  }

  validation {
    condition     = length(var.network.availability_zones) >= 2 && length(distinct(var.network.availability_zones)) == length(var.network.availability_zones)
    error_message = "network.availability_zones must name at least two distinct zones."
  }

  validation {
    condition     = contains(["single", "per_az", "none"], var.network.nat_mode)
    error_message = "network.nat_mode must be single, per_az or none."
  }

  validation {
    condition     = alltrue([for bits in values(var.network.subnet_newbits) : bits >= 1 && bits <= 12])
    error_message = "network.subnet_newbits values must be between 1 and 12."
  }
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
