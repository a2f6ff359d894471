variable "name" {
  description = "Prefix of every name (<project>-<stage>): the application is <name>-release, the group <name>-api, the hook <name>-pretraffic."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits and dashes."
  }
}

variable "settings" {
  description = "The stage's release knobs from the tfvars (release)."
  type = object({
    deployment_config       = string
    keep_releases           = number
    hook_timeout_s          = number
    hook_log_retention_days = number
  })

  validation {
    condition = contains([
      "CodeDeployDefault.LambdaAllAtOnce",
      "CodeDeployDefault.LambdaCanary10Percent5Minutes",
      "CodeDeployDefault.LambdaCanary10Percent10Minutes",
      "CodeDeployDefault.LambdaCanary10Percent15Minutes",
      "CodeDeployDefault.LambdaCanary10Percent30Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
      "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
      "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    ], var.settings.deployment_config)
    error_message = "deployment_config must be one of CodeDeploy's predefined Lambda configurations (CodeDeployDefault.LambdaAllAtOnce, ...Canary10Percent{5,10,15,30}Minutes, ...Linear10PercentEvery{1,2,3,10}Minute(s))."
  }

  validation {
    condition     = var.settings.keep_releases >= 1 && var.settings.keep_releases <= 10
    error_message = "keep_releases must be 1-10 (the history is one SSM parameter of at most 4 KB)."
  }

  validation {
    condition     = var.settings.hook_timeout_s >= 10 && var.settings.hook_timeout_s <= 900
    error_message = "hook_timeout_s must be 10-900 (CodeDeploy waits up to an hour for the hook's answer)."
  }
}

variable "api_function" {
  description = "The api function whose stage alias CodeDeploy shifts: name and unqualified ARN."
  type = object({
    name = string
    arn  = string
  })
}

variable "alarms" {
  description = "The stage's api error and latency alarms (name and ARN); any of them in ALARM stops the deployment and rolls it back."
  type = list(object({
    name = string
    arn  = string
  }))

  validation {
    condition     = length(var.alarms) >= 1 && length(var.alarms) <= 10
    error_message = "A deployment group takes 1-10 alarms."
  }
}

variable "hook_package" {
  description = "The pre-traffic hook's built package from build/manifest.json."
  type = object({
    filename         = string
    source_code_hash = string
    handler          = string
    runtime          = string
    architecture     = string
    layer_arns       = list(string)
  })
}
