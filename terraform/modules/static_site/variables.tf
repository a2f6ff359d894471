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

variable "stage" {
  description = "Stage, written into the site's config.json."
  type        = string
}

variable "site" {
  description = "CloudFront price class and whether the bucket may be destroyed with its objects."
  type = object({
    price_class   = string
    force_destroy = bool
  })
}

variable "region" {
  description = "Region of the stage's API, allowed by the page's Content-Security-Policy (connect-src)."
  type        = string
}

variable "api_base_url" {
  description = "Base URL of the stage's API, published to the page as config.json."
  type        = string
}
