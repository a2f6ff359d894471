# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.

variable "name" {
  description = "Layer name (<project>-<stage>-<layer>)."
  type        = string
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
