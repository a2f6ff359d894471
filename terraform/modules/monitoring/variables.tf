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
  description = "Name prefix of every alarm (<project>-<stage>)."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, on alarm and on recovery."
  type        = string
}

variable "thresholds" {
  description = "Alarm thresholds and evaluation window: the root's `monitoring` variable as it types, defaults and validates it."
  type        = any
}

variable "stage" {
  description = "The stage: the REST API's stage and the Stage dimension of the functions' own metrics (EMF, see functions/shop/metrics.py)."
  type        = string
}

variable "api_name" {
  description = "Name of the REST API, the ApiName dimension of its metrics."
  type        = string
}

variable "functions" {
  description = "Functions to watch, keyed by short name: function name and timeout (duration alarms fire near it)."
  type = map(object({
    name      = string
    timeout_s = number
  }))
}

variable "database" {
  description = "RDS instance identifier and its max_connections (the connections alarm fires at a ratio of it)."
  type = object({
    instance_identifier = string
    max_connections     = number
  })
}

variable "relay_enabled" {
  description = "Whether the outbox relay runs: when it does, a backlog metric that stops arriving is itself alarming."
  type        = bool
}

variable "region" {
  description = "Region of the dashboard's metrics."
  type        = string
}
