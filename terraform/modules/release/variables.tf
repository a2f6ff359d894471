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
  description = "Prefix of every name (<project>-<stage>): the application is <name>-release, the group <name>-api, the hook <name>-pretraffic."
  type        = string
}

variable "settings" {
  description = "The stage's release knobs from the tfvars (release), validated by the root."
  type = object({
    deployment_config       = string
    keep_releases           = number
    hook_timeout_s          = number
    hook_log_retention_days = number
  })
}

variable "api_function" {
  description = "The api function whose stage alias CodeDeploy shifts: name and unqualified ARN."
  type = object({
    name = string
    arn  = string
  })
}

variable "alarms" {
  description = "The stage's api error and latency alarms (name and ARN); any of them in ALARM stops the deployment and rolls it back."
  type = list(object({
    name = string
    arn  = string
  }))
}

variable "hook_package" {
  description = "The pre-traffic hook's built package from build/manifest.json."
  type = object({
    filename         = string
    source_code_hash = string
    handler          = string
    runtime          = string
    architecture     = string
  })
}
