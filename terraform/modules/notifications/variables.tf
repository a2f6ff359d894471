# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); only what the root derives is checked here.

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
