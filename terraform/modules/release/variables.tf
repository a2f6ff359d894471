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
  description = "Prefix of every name (<project>-<stage>): the application is <name>-release, the group <name>-api, the hook <name>-pretraffic."
  type        = string
}

variable "settings" {
  description = "The stage's release knobs: the root's `release` variable as it types, defaults and validates it."
  type        = any
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
