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
  description = "Name prefix of every resource (<project>-<stage>)."
  type        = string
}

variable "stage" {
  description = "API Gateway stage name, the stage of the workspace."
  type        = string
}

variable "region" {
  description = "Region, filled into the contract's Lambda integration URIs."
  type        = string
}

variable "contract_path" {
  description = "Path of the OpenAPI contract (api/openapi.yaml) with x-amazon-apigateway-* extensions and {{placeholders}}."
  type        = string

  validation {
    condition     = fileexists(var.contract_path)
    error_message = "The contract file does not exist."
  }
}

variable "function" {
  description = "The Lambda function behind every aws_proxy route: its name and the alias the stage variable names (the routes' permissions wait for both)."
  type = object({
    name       = string
    alias_name = string
  })
}

variable "function_arn" {
  description = "Unqualified ARN of that function for the REST API body, built from its name rather than read from it, so the deployment's create_before_destroy does not spread to the function (see the root's module \"api\")."
  type        = string
}

variable "cors_origins" {
  description = "Origins allowed by CORS besides the storefront's (the stage's app_config.cors_allowed_origins)."
  type        = list(string)
}

variable "site_origin" {
  description = "The storefront's origin (https://<distribution domain>): allowed by CORS and named by gateway error responses. Known only after CloudFront exists."
  type        = string
}

variable "settings" {
  description = "The stage's API Gateway settings, the root's `api` variable as it types, defaults and validates it: cache, throttling, logging, admin usage plan and CORS preflight answers."
  type        = any
}
