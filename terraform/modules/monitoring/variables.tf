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
    api_5xx_threshold      = number
    lambda_error_threshold = number
    duration_alarm_ratio   = optional(number, 0.8)
    rds_cpu_percent        = optional(number, 80)
    rds_connections_ratio  = optional(number, 0.8)
    rds_free_storage_gb    = number
    period_seconds         = optional(number, 300)
    evaluation_periods     = optional(number, 1)
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
