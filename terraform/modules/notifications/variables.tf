# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.

variable "name" {
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string
}

variable "sender_email" {
  description = "Address order confirmations and reports are sent from; SES must verify it."
  type        = string
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}
