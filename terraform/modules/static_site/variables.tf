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

variable "stage" {
  description = "Stage, written into the site's config.json."
  type        = string
}

variable "site" {
  description = "CloudFront price class and whether the bucket may be destroyed with its objects: the root's `static_site` variable as it types, defaults and validates it."
  type        = any
}

variable "region" {
  description = "Region of the stage's API, allowed by the page's Content-Security-Policy (connect-src)."
  type        = string
}

variable "api_base_url" {
  description = "Base URL of the stage's API, published to the page as config.json."
  type        = string
}
