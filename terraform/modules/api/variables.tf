# Values from envs/<stage>.tfvars arrive validated by the root
# (terraform/variables.tf); a module checks only what the root leaves
# unchecked (files it reads, its resources' own limits), not the names and
# ARNs the root builds from those values.
# The root's variable is the one home of a tfvars object's defaults and
# validations; the module types the object it is handed with the attributes
# it reads and no optional() defaults, so it stays precise (a renamed or
# missing attribute fails at the module call) without a second copy of the
# defaults to keep in step.

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
  description = "Stage cache, throttling, logging, admin usage plan and CORS preflight answers."
  type = object({
    cache = object({
      enabled     = bool
      size_gb     = string
      ttl_seconds = number
    })
    throttle = object({
      rate_limit  = number
      burst_limit = number
    })
    admin_usage_plan = object({
      rate_limit    = number
      burst_limit   = number
      quota_per_day = number
    })
    logging_level             = string
    metrics_enabled           = bool
    xray_tracing              = bool
    access_log_retention_days = number
    cors = object({
      allow_methods   = list(string)
      allow_headers   = list(string)
      max_age_seconds = number
    })
  })
}
