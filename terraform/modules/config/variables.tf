variable "parameter_name" {
  description = "SSM parameter name, /<project>/<stage>/config."
  type        = string

  validation {
    condition     = can(regex("^/[a-z][a-z0-9-]*/[a-z][a-z0-9]*/config$", var.parameter_name))
    error_message = "parameter_name must look like /<project>/<stage>/config."
  }
}

variable "document" {
  description = "The app config as a JSON document (the root encodes the typed app_config variable)."
  type        = string

  validation {
    condition     = can(jsondecode(var.document))
    error_message = "document must be JSON."
  }

  validation {
    condition     = length(var.document) <= 4096
    error_message = "The app config is larger than 4 KB, the limit of a standard SSM parameter."
  }
}
