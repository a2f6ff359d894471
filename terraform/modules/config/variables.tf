variable "parameter_name" {
  description = "SSM parameter name, /<project>/<stage>/config."
  type        = string
}

variable "document" {
  description = "The app config as a JSON document (the root encodes the typed app_config variable)."
  type        = string

  validation {
    condition     = length(var.document) <= 4096
    error_message = "The app config is larger than 4 KB, the limit of a standard SSM parameter."
  }
}
