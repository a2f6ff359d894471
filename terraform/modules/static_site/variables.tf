# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); only what the root derives is checked here.

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
    force_destroy = optional(bool, false)
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
