# Rehearsal only (deploy/rehearsal.py): the moto server the provider talks to.
# Copied into the scratch root with the *_override.tf files beside it.
variable "rehearsal_endpoint" {
  description = "URL of the local moto server the rehearsal applies against (http://127.0.0.1:<port>)."
  type        = string

  validation {
    condition     = can(regex("^http://127\\.0\\.0\\.1:[0-9]{2,5}$", var.rehearsal_endpoint))
    error_message = "rehearsal_endpoint must be a moto server on 127.0.0.1, never a real AWS endpoint."
  }
}
