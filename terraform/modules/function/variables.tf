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
  description = "Function name (<project>-<stage>-<function>)."
  type        = string
}

variable "description" {
  description = "What the function does, shown in the console."
  type        = string
}

variable "alias_name" {
  description = "Alias that callers invoke; named after the stage and moved to every new version."
  type        = string
}

variable "settings" {
  description = "Per-stage runtime settings from the tfvars."
  type = object({
    memory_mb               = number
    timeout_s               = number
    architecture            = string
    reserved_concurrency    = number
    provisioned_concurrency = number
    snap_start              = bool
    log_retention_days      = number
  })
}

variable "package" {
  description = "The built package from build/manifest.json: zip path, its base64 SHA-256, handler, runtime, architecture it was built for, and layer version ARNs."
  type = object({
    filename         = string
    source_code_hash = string
    handler          = string
    runtime          = string
    architecture     = string
    layer_arns       = list(string)
  })

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.package.runtime))
    error_message = "package.runtime must be a Python runtime such as python3.12."
  }

  validation {
    condition     = length(var.package.layer_arns) <= 4
    error_message = "A Lambda function can use at most five layers, and one is kept for the Parameters and Secrets extension."
  }
}

variable "parameters_secrets_extension" {
  description = "Attach the AWS Parameters and Secrets Lambda Extension (the function reads config and secret through it on localhost): the stage's region, the extension's port and its cache TTLs. null attaches nothing."
  type = object({
    region          = string
    port            = optional(number, 2773)
    parameter_ttl_s = optional(number, 300)
    secret_ttl_s    = optional(number, 300)
  })
  default = null
}

variable "vpc" {
  description = "Subnets and security groups when the function must reach private resources; null keeps it out of the VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "environment" {
  description = "Environment variables (names in docs/architecture.md)."
  type        = map(string)
  default     = {}
}

variable "policy_statements" {
  description = "What the function may do beyond writing its own logs (and managing its ENIs when in a VPC). Actions are named one by one."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && alltrue([for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9]+$", a))])])
    error_message = "Every policy action must be named in full (service:Action); wildcards such as \"*\" or \"s3:*\" are not allowed."
  }
}

variable "schedules" {
  description = "EventBridge schedules that invoke the alias, keyed by a short name; `input` is the event (JSON) to send instead of EventBridge's own."
  type = map(object({
    description         = string
    schedule_expression = string
    enabled             = bool
    input               = optional(string)
  }))
  default = {}
}
