# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); only what the root derives is checked here.

variable "name" {
  description = "Name prefix of every alarm (<project>-<stage>)."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, on alarm and on recovery."
  type        = string
}

variable "thresholds" {
  description = "Alarm thresholds and evaluation window."
  type = object({
    api_5xx_threshold        = number
    lambda_error_threshold   = number
    duration_alarm_ratio     = optional(number, 0.8)
    rds_cpu_percent          = optional(number, 80)
    rds_connections_ratio    = optional(number, 0.8)
    rds_free_storage_gb      = number
    period_seconds           = optional(number, 300)
    evaluation_periods       = optional(number, 1)
    outbox_backlog_age_s     = optional(number, 900)
    unavailable_rate_percent = optional(number, 5)
  })
}

variable "api" {
  description = "REST API name and stage, the dimensions of its metrics."
  type = object({
    name  = string
    stage = string
  })
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

variable "application" {
  description = "The functions' own metrics (EMF, see functions/shop/metrics.py): the stage they carry as dimension, their namespace, and whether the relay runs (when it does, a backlog metric that stops arriving is itself alarming)."
  type = object({
    stage         = string
    namespace     = optional(string, "Shop")
    relay_enabled = bool
  })

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.application.stage)) && can(regex("^[A-Za-z][A-Za-z0-9/_.-]{0,254}$", var.application.namespace))
    error_message = "application.stage must be a lowercase stage name and application.namespace a CloudWatch namespace (letters, digits, / _ . -)."
  }
}

variable "region" {
  description = "Region of the dashboard's metrics."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}
