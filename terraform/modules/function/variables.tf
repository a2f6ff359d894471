# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.
# The root's variable is the one home of a tfvars object's type, defaults
# and validations: a module handed such an object whole takes it as `any`
# and names the root variable in its description, rather than a second copy
# of the type to keep in step (Terraform has no type aliases). A renamed or
# missing attribute still fails the plan, where the module reads it.

variable "function" {
  description = "The function as the root derives it from its short name: its name (<project>-<stage>-<function>), the alias callers invoke (named after the stage, moved to every new version), its per-stage runtime settings (its entry of the root's `functions` variable, as it types, defaults and validates it) and its built package from build/manifest.json (zip path, its base64 SHA-256, handler, runtime, architecture it was built for, and layer version ARNs)."
  type = object({
    name       = string
    alias_name = string
    settings   = any
    package = object({
      filename         = string
      source_code_hash = string
      handler          = string
      runtime          = string
      architecture     = string
      layer_arns       = list(string)
    })
  })

  validation {
    condition     = can(regex("^python3\\.[0-9]+$", var.function.package.runtime))
    error_message = "package.runtime must be a Python runtime such as python3.12."
  }

  validation {
    condition     = length(var.function.package.layer_arns) <= 4
    error_message = "A Lambda function can use at most five layers, and one is kept for the Parameters and Secrets extension."
  }
}

variable "description" {
  description = "What the function does, shown in the console."
  type        = string
}

variable "parameters_secrets_extension" {
  description = "Attach the AWS Parameters and Secrets Lambda Extension (the function reads config and secret through it on localhost): the stage's region, the extension's port and its cache TTLs, all chosen by the root. null attaches nothing."
  type = object({
    region          = string
    port            = number
    parameter_ttl_s = number
    secret_ttl_s    = number
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
