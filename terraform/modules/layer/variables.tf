variable "name" {
  description = "Layer name (<project>-<stage>-<layer>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, dashes or underscores."
  }
}

variable "package" {
  description = "The built layer zip from build/manifest.json: path, base64 SHA-256, runtime and architecture."
  type = object({
    filename         = string
    source_code_hash = string
    runtime          = string
    architecture     = string
  })

  validation {
    condition     = contains(["x86_64", "arm64"], var.package.architecture)
    error_message = "package.architecture must be x86_64 or arm64."
  }
}
