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

variable "region" {
  description = "Region of the VPC, used to name endpoint services."
  type        = string
}

variable "network" {
  description = "The root's `network` variable as it types, defaults and validates it: CIDR, availability zones, NAT mode (single, per_az or none), subnet sizes as newbits of the VPC CIDR, interface endpoints placed in the app subnets, and the flow log's retention in days."
  type        = any
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
