variable "project" {
  description = "Project name, the prefix of every stage's resources (<project>-<stage>-*) and of the account-wide ones here."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be lowercase letters, digits and dashes (2-21 characters)."
  }
}

variable "account_id" {
  description = "The AWS account this bootstrap is for. Written out rather than looked up, so the plan needs no AWS call; `make bootstrap` refuses credentials of another account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be the 12-digit account ID."
  }
}

variable "region" {
  description = "Region of the state bucket and of the stages (API Gateway's account setting is per region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "state_bucket" {
  description = "Name of the S3 bucket holding every Terraform state of the account (stages/<stage>/ and bootstrap/). Bucket names are global: include the account ID."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket)) && !strcontains(var.state_bucket, "..")
    error_message = "state_bucket must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and dashes."
  }
}

variable "state_noncurrent_days" {
  description = "Days an overwritten state version is kept before S3 expires it (the history to recover from)."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_days >= 30 && var.state_noncurrent_days <= 3650
    error_message = "state_noncurrent_days must be between 30 and 3650."
  }
}

variable "stages" {
  description = "Stages deployed into this account; each gets a CI apply role scoped to <project>-<stage>-*."
  type        = list(string)
  default     = ["dev", "qa", "prod"]

  validation {
    condition     = length(var.stages) > 0 && alltrue([for s in var.stages : contains(["dev", "qa", "prod"], s)])
    error_message = "stages must be a non-empty list of dev, qa and prod."
  }
}

variable "github" {
  description = "The GitHub repository whose Actions may assume the CI roles: `repository` (owner/name), whether this account creates GitHub's OIDC provider (one per account: false when another stack already has it)."
  type = object({
    repository           = string
    create_oidc_provider = optional(bool, true)
  })

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github.repository))
    error_message = "github.repository must be owner/name, without wildcards."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project, Stage = account and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}
