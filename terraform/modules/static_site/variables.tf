variable "name" {
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be lowercase letters, digits and dashes, short enough for an S3 bucket prefix."
  }
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

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.site.price_class)
    error_message = "site.price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "region" {
  description = "Region of the stage's API, allowed by the page's Content-Security-Policy (connect-src)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "api_base_url" {
  description = "Base URL of the stage's API, published to the page as config.json."
  type        = string
}
