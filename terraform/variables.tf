# The retention periods CloudWatch Logs accepts, for every *_retention_days
# knob below.
locals {
  log_retention_days = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
}

variable "project" {
  description = "Project name: first part of every resource name (<project>-<stage>-<component>) and of the SSM config path."
  type        = string
  default     = "shop"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.project))
    error_message = "project must be 2-15 lowercase letters, digits or dashes and start with a letter (it prefixes bucket and function names)."
  }
}

variable "stage" {
  description = "Stage these tfvars describe (dev, qa or prod). Must equal the selected Terraform workspace."
  type        = string

  validation {
    condition     = contains(["dev", "qa", "prod"], var.stage)
    error_message = "stage must be one of dev, qa, prod."
  }

  validation {
    condition     = var.stage == terraform.workspace
    error_message = "These tfvars are for stage \"${var.stage}\" but the selected workspace is \"${terraform.workspace}\". Run `terraform workspace select -or-create ${var.stage}` before planning with envs/${var.stage}.tfvars, or use `make plan ENV=${var.stage}` which does it for you."
  }
}

variable "region" {
  description = "AWS region of the stage."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }

  # Regions where AWS publishes the Parameters and Secrets extension the
  # functions read config and secret through (modules/function/extension_layers.tf).
  validation {
    condition = contains([
      "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
      "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
      "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
      "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "me-central-1", "me-south-1",
      "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ], var.region)
    error_message = "region must be one where AWS publishes the Parameters and Secrets Lambda Extension (see terraform/modules/function/extension_layers.tf)."
  }
}

variable "assume_role" {
  description = "Role to assume in the stage's own account; null uses the caller's credentials and account."
  type = object({
    role_arn     = string
    session_name = optional(string, "terraform")
    external_id  = optional(string)
  })
  default = null

  validation {
    condition     = var.assume_role == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.assume_role.role_arn))
    error_message = "assume_role.role_arn must be an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project, Stage and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

variable "manifest_path" {
  description = "Path of the build manifest; null means build/manifest.json of this checkout. Tests point it at a fixture."
  type        = string
  default     = null
}

variable "contract_path" {
  description = "Path of the OpenAPI contract; null means api/openapi.yaml of this checkout. Tests point it at variants."
  type        = string
  default     = null
}

variable "network" {
  description = "The stage's VPC: CIDR, availability zones (names, not looked up), NAT mode, subnet sizes, optional interface endpoints and how long its flow log (rejected traffic) is kept."
  type = object({
    cidr_block         = string
    availability_zones = list(string)
    nat_mode           = string
    subnet_newbits = optional(object({
      public   = optional(number, 8)
      app      = optional(number, 4)
      database = optional(number, 8)
    }), {})
    interface_endpoints     = optional(set(string), [])
    flow_log_retention_days = optional(number, 30)
  })

  validation {
    condition     = can(cidrnetmask(var.network.cidr_block)) && tonumber(split("/", var.network.cidr_block)[1]) >= 16 && tonumber(split("/", var.network.cidr_block)[1]) <= 22
    error_message = "network.cidr_block must be an IPv4 CIDR between /16 and /22."
  }

  validation {
    condition     = length(var.network.availability_zones) >= 2 && length(distinct(var.network.availability_zones)) == length(var.network.availability_zones)
    error_message = "network.availability_zones must name at least two distinct zones (RDS subnet groups and multi-AZ need two)."
  }

  validation {
    condition     = alltrue([for az in var.network.availability_zones : can(regex("^${var.region}[a-z]$", az))])
    error_message = "Every network.availability_zones entry must be a zone of region ${var.region} (e.g. ${var.region}a)."
  }

  validation {
    condition     = contains(["single", "per_az", "none"], var.network.nat_mode)
    error_message = "network.nat_mode must be single (one NAT for the stage), per_az (one per zone) or none."
  }

  validation {
    condition     = alltrue([for bits in values(var.network.subnet_newbits) : bits >= 1 && bits <= 12])
    error_message = "network.subnet_newbits values must be between 1 and 12."
  }

  validation {
    condition     = alltrue([for s in var.network.interface_endpoints : can(regex("^[a-z0-9.-]+$", s))])
    error_message = "network.interface_endpoints are service short names such as ssm or secretsmanager."
  }

  validation {
    condition     = contains(local.log_retention_days, var.network.flow_log_retention_days)
    error_message = "network.flow_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "database" {
  description = "RDS MySQL instance, its connection budget and how the functions connect to it."
  type = object({
    instance_class           = string
    engine_version           = optional(string, "8.0")
    allocated_storage_gb     = number
    max_allocated_storage_gb = number
    multi_az                 = bool
    deletion_protection      = bool
    skip_final_snapshot      = bool
    backup_retention_days    = number
    log_retention_days       = optional(number, 30)
    backup_window            = optional(string, "02:00-03:00")
    maintenance_window       = optional(string, "sun:03:30-sun:04:30")
    max_connections          = number
    connection_headroom      = number
    db_name                  = optional(string, "shop")
    master_username          = optional(string, "shop_admin")
    enable_proxy             = optional(bool, false)
    performance_insights     = optional(bool, false)
    client = object({
      ca_bundle         = string
      proxy_ca_bundle   = optional(string, "/var/task/shop/certs/amazon-root-cas.pem")
      connect_timeout_s = number
      read_timeout_s    = number
    })
  })

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.database.instance_class))
    error_message = "database.instance_class must look like db.t4g.micro."
  }

  validation {
    condition     = can(regex("^8\\.0(\\.[0-9]+)?$", var.database.engine_version))
    error_message = "database.engine_version must be MySQL 8.0 (\"8.0\" or \"8.0.<minor>\")."
  }

  validation {
    condition     = var.database.allocated_storage_gb >= 20 && var.database.max_allocated_storage_gb >= var.database.allocated_storage_gb
    error_message = "database.allocated_storage_gb must be at least 20 and max_allocated_storage_gb at least as large."
  }

  validation {
    condition     = var.database.backup_retention_days >= 1 && var.database.backup_retention_days <= 35
    error_message = "database.backup_retention_days must be 1-35: every stage keeps automated backups."
  }

  validation {
    condition     = contains(local.log_retention_days, var.database.log_retention_days)
    error_message = "database.log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }

  validation {
    condition     = var.database.max_connections >= 10 && var.database.max_connections <= 16000 && var.database.connection_headroom >= 1
    error_message = "database.max_connections must be 10-16000 and connection_headroom at least 1 (an operator must always get in)."
  }

  validation {
    condition     = var.stage != "prod" || (var.database.multi_az && var.database.deletion_protection && !var.database.skip_final_snapshot)
    error_message = "prod's database must have multi_az = true, deletion_protection = true and skip_final_snapshot = false."
  }

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.database.db_name)) && can(regex("^[A-Za-z][A-Za-z0-9_]{0,31}$", var.database.master_username))
    error_message = "database.db_name and master_username must start with a letter and contain only letters, digits and underscores."
  }

  validation {
    condition     = var.database.client.connect_timeout_s >= 1 && var.database.client.read_timeout_s >= 1
    error_message = "database.client timeouts must be at least 1 second."
  }

  validation {
    condition     = startswith(var.database.client.ca_bundle, "/") && startswith(var.database.client.proxy_ca_bundle, "/")
    error_message = "database.client.ca_bundle and proxy_ca_bundle must be absolute paths inside the package (/var/task/...)."
  }

  validation {
    condition = alltrue([
      for name in ["api", "report", "migrate"] :
      var.database.client.connect_timeout_s + var.database.client.read_timeout_s < var.functions[name].timeout_s
    ])
    error_message = "database.client.connect_timeout_s + read_timeout_s must stay below the timeout of api, report and migrate, so a stuck database gives a clean error instead of a killed function."
  }
}

variable "functions" {
  description = "Per-function runtime settings, keyed by function name (api, migrate, report, warmer as in functions/functions.json)."
  type = map(object({
    memory_mb               = number
    timeout_s               = number
    architecture            = optional(string, "x86_64")
    reserved_concurrency    = number
    provisioned_concurrency = optional(number, 0)
    snap_start              = optional(bool, false)
    log_retention_days      = number
  }))

  validation {
    condition     = alltrue([for f in values(var.functions) : !(f.snap_start && f.provisioned_concurrency > 0)])
    error_message = "A function cannot have both snap_start and provisioned_concurrency (Lambda refuses the pair): set functions.<name>.snap_start = false or its provisioned_concurrency = 0."
  }

  validation {
    condition     = length(setsubtract(keys(var.functions), ["api", "migrate", "report", "warmer"])) == 0 && length(setsubtract(["api", "migrate", "report", "warmer"], keys(var.functions))) == 0
    error_message = "functions must configure exactly api, migrate, report and warmer."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.memory_mb >= 128 && f.memory_mb <= 10240 && f.timeout_s >= 1 && f.timeout_s <= 900])
    error_message = "Function memory_mb must be 128-10240 and timeout_s 1-900."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : contains(["x86_64", "arm64"], f.architecture)])
    error_message = "Function architecture must be x86_64 or arm64."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : f.reserved_concurrency >= 1 && f.provisioned_concurrency >= 0 && f.provisioned_concurrency <= f.reserved_concurrency])
    error_message = "Every function needs reserved_concurrency >= 1 (it bounds database connections) and provisioned_concurrency between 0 and reserved_concurrency."
  }

  validation {
    condition     = var.functions["api"].timeout_s <= 29
    error_message = "functions.api.timeout_s must be at most 29: API Gateway gives up on an integration after 29 seconds."
  }

  validation {
    condition     = alltrue([for f in values(var.functions) : contains(local.log_retention_days, f.log_retention_days)])
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "config_ttl_seconds" {
  description = "How long a function serves a loaded app config before re-reading it from SSM (SHOP_CONFIG_TTL_SECONDS)."
  type        = number
  default     = 60

  validation {
    condition     = var.config_ttl_seconds >= 0 && var.config_ttl_seconds <= 3600
    error_message = "config_ttl_seconds must be 0-3600."
  }
}

variable "schedules" {
  description = "EventBridge schedules: the warmer's rate (disabled where provisioned concurrency or idleness make it pointless), the daily report, the outbox relay's rate, and how often the migrate function rotates the application's database login."
  type = object({
    warmer = object({
      enabled      = bool
      rate_minutes = number
    })
    report = object({
      enabled             = bool
      schedule_expression = string
    })
    relay = optional(object({
      enabled      = bool
      rate_minutes = number
    }), { enabled = true, rate_minutes = 2 })
    # The migrate function gives the application a new login
    # ({"action": "rotate"}) every rate_days; always on.
    app_login_rotation = optional(object({
      rate_days = number
    }), { rate_days = 30 })
  })

  validation {
    condition     = var.schedules.warmer.rate_minutes >= 1 && var.schedules.warmer.rate_minutes <= 60
    error_message = "schedules.warmer.rate_minutes must be 1-60 (environments idle longer than that are reclaimed anyway)."
  }

  validation {
    condition     = var.schedules.relay.rate_minutes >= 1 && var.schedules.relay.rate_minutes <= 15
    error_message = "schedules.relay.rate_minutes must be 1-15: unsent order e-mails wait that long at most between tries."
  }

  validation {
    condition     = var.schedules.app_login_rotation.rate_days == floor(var.schedules.app_login_rotation.rate_days) && var.schedules.app_login_rotation.rate_days >= 1 && var.schedules.app_login_rotation.rate_days <= 90
    error_message = "schedules.app_login_rotation.rate_days must be a whole number of days, 1-90: a secret left longer unrotated fails AWS Security Hub's SecretsManager.4 control (90 days)."
  }

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedules.report.schedule_expression))
    error_message = "schedules.report.schedule_expression must be an EventBridge cron(...) or rate(...) expression."
  }
}

variable "api" {
  description = "API Gateway stage settings: cache, throttling, logging, admin usage plan, CORS preflight answers and the account logging role."
  type = object({
    cache = object({
      enabled     = bool
      size_gb     = optional(string, "0.5")
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
    logging_level             = optional(string, "ERROR")
    metrics_enabled           = optional(bool, true)
    xray_tracing              = optional(bool, false)
    access_log_retention_days = number
    cors = optional(object({
      allow_methods   = optional(list(string), ["GET", "POST", "PUT", "DELETE", "OPTIONS"])
      allow_headers   = optional(list(string), ["Content-Type", "X-Api-Key", "Idempotency-Key", "If-Match", "If-None-Match"])
      max_age_seconds = optional(number, 600)
    }), {})
  })

  validation {
    condition     = contains(["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"], var.api.cache.size_gb)
    error_message = "api.cache.size_gb must be an API Gateway cache size: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237."
  }

  validation {
    condition     = var.api.cache.ttl_seconds >= 0 && var.api.cache.ttl_seconds <= 3600
    error_message = "api.cache.ttl_seconds must be 0-3600."
  }

  validation {
    condition     = var.api.throttle.rate_limit > 0 && var.api.throttle.burst_limit >= 1 && var.api.admin_usage_plan.rate_limit > 0 && var.api.admin_usage_plan.burst_limit >= 1 && var.api.admin_usage_plan.quota_per_day >= 1
    error_message = "api throttle and admin usage plan limits must be positive."
  }

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.api.logging_level)
    error_message = "api.logging_level must be OFF, ERROR or INFO."
  }

  validation {
    condition     = length(var.api.cors.allow_methods) > 0 && alltrue([for m in var.api.cors.allow_methods : contains(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], m)])
    error_message = "api.cors.allow_methods must list HTTP methods in upper case."
  }

  validation {
    condition     = alltrue([for h in var.api.cors.allow_headers : can(regex("^[A-Za-z0-9-]+$", h))])
    error_message = "api.cors.allow_headers must be header names."
  }

  validation {
    condition     = var.api.cors.max_age_seconds >= 0 && var.api.cors.max_age_seconds <= 7200
    error_message = "api.cors.max_age_seconds must be 0-7200 (browsers cap it at 7200)."
  }

  validation {
    condition     = contains(local.log_retention_days, var.api.access_log_retention_days)
    error_message = "api.access_log_retention_days must be a value CloudWatch Logs accepts."
  }
}

variable "static_site" {
  description = "Storefront bucket and CloudFront distribution settings."
  type = object({
    price_class   = string
    force_destroy = optional(bool, false)
  })

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.static_site.price_class)
    error_message = "static_site.price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }

  validation {
    condition     = var.stage != "prod" || !var.static_site.force_destroy
    error_message = "prod's site bucket must not be force_destroy."
  }
}

variable "notifications" {
  description = "Who receives alarms (each address must confirm its SNS subscription)."
  type = object({
    alarm_emails = optional(list(string), [])
  })

  validation {
    condition     = alltrue([for e in var.notifications.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "notifications.alarm_emails must be e-mail addresses."
  }
}

variable "monitoring" {
  description = "Alarm thresholds."
  type = object({
    api_5xx_threshold      = number
    lambda_error_threshold = number
    duration_alarm_ratio   = optional(number, 0.8)
    rds_cpu_percent        = optional(number, 80)
    rds_connections_ratio  = optional(number, 0.8)
    rds_free_storage_gb    = number
    period_seconds         = optional(number, 300)
    evaluation_periods     = optional(number, 1)
    # Application metrics (EMF, namespace Shop): the oldest unsent notification's
    # age and the share of requests answered 503.
    outbox_backlog_age_s     = optional(number, 900)
    unavailable_rate_percent = optional(number, 5)
  })

  validation {
    condition     = var.monitoring.outbox_backlog_age_s >= 60 && var.monitoring.unavailable_rate_percent > 0 && var.monitoring.unavailable_rate_percent <= 100
    error_message = "monitoring.outbox_backlog_age_s must be at least 60 (the relay runs every 1-15 minutes) and unavailable_rate_percent in (0, 100]."
  }

  validation {
    condition     = var.monitoring.api_5xx_threshold >= 1 && var.monitoring.lambda_error_threshold >= 1 && var.monitoring.rds_free_storage_gb >= 1
    error_message = "monitoring thresholds must be at least 1."
  }

  validation {
    condition     = var.monitoring.duration_alarm_ratio > 0 && var.monitoring.duration_alarm_ratio < 1 && var.monitoring.rds_connections_ratio > 0 && var.monitoring.rds_connections_ratio <= 1
    error_message = "monitoring.duration_alarm_ratio must be in (0, 1) and rds_connections_ratio in (0, 1]."
  }

  validation {
    condition     = var.monitoring.rds_cpu_percent > 0 && var.monitoring.rds_cpu_percent <= 100
    error_message = "monitoring.rds_cpu_percent must be 1-100."
  }

  validation {
    condition     = contains([60, 300, 900, 3600], var.monitoring.period_seconds) && var.monitoring.evaluation_periods >= 1
    error_message = "monitoring.period_seconds must be 60, 300, 900 or 3600 and evaluation_periods at least 1."
  }
}

variable "app_config" {
  description = "The application config written as JSON to SSM /<project>/<stage>/config (shape in docs/architecture.md). Its CORS allowlist also drives the API's preflight answers."
  type = object({
    log_level            = string
    cors_allowed_origins = list(string)
    page_size_default    = optional(number, 20)
    page_size_max        = optional(number, 100)
    max_body_bytes       = optional(number, 65536)
    currency             = string
    sender_email         = string
    report_recipients    = list(string)
    retry_after_seconds  = optional(number, 2)
    warmer = optional(object({
      concurrency = optional(number, 3)
      hold_ms     = optional(number, 100)
      prime       = optional(bool, true)
    }), {})
    features = optional(object({
      order_emails = optional(bool, true)
      order_events = optional(bool, true)
    }), {})
  })

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.app_config.log_level)
    error_message = "app_config.log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }

  validation {
    condition     = length(var.app_config.cors_allowed_origins) > 0 && alltrue([for o in var.app_config.cors_allowed_origins : o == "*" || can(regex("^https?://[a-z0-9.-]+(:[0-9]{1,5})?$", o))])
    error_message = "app_config.cors_allowed_origins must list origins like https://shop.example.com (scheme and host, optional port, no path or trailing slash)."
  }

  validation {
    condition     = var.stage != "prod" || alltrue([for o in var.app_config.cors_allowed_origins : !strcontains(o, "*") && startswith(o, "https://")])
    error_message = "prod must list its CORS origins explicitly: app_config.cors_allowed_origins may not contain \"*\" and every origin must be https (got ${jsonencode(var.app_config.cors_allowed_origins)})."
  }

  validation {
    condition     = var.app_config.page_size_default >= 1 && var.app_config.page_size_default <= var.app_config.page_size_max && var.app_config.page_size_max <= 1000
    error_message = "app_config.page_size_default must be between 1 and page_size_max (at most 1000)."
  }

  validation {
    condition     = var.app_config.max_body_bytes >= 1024 && var.app_config.max_body_bytes <= 6291456
    error_message = "app_config.max_body_bytes must be 1 KiB to 6 MiB (Lambda's payload limit)."
  }

  validation {
    condition     = can(regex("^[A-Z]{3}$", var.app_config.currency))
    error_message = "app_config.currency must be an ISO 4217 code such as EUR."
  }

  validation {
    condition     = alltrue([for e in concat([var.app_config.sender_email], var.app_config.report_recipients) : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "app_config.sender_email and report_recipients must be e-mail addresses."
  }

  validation {
    condition     = var.app_config.retry_after_seconds >= 1 && var.app_config.retry_after_seconds <= 120
    error_message = "app_config.retry_after_seconds must be 1-120."
  }

  validation {
    condition     = var.app_config.warmer.concurrency >= 1 && var.app_config.warmer.concurrency <= var.functions["api"].reserved_concurrency && var.app_config.warmer.hold_ms >= 0 && var.app_config.warmer.hold_ms <= 5000
    error_message = "app_config.warmer.concurrency must be 1..functions.api.reserved_concurrency (more would only be throttled) and hold_ms 0-5000."
  }
}

variable "release" {
  description = "How a release reaches the api: CodeDeploy's predefined Lambda configuration (all at once, canary or linear), how many releases the history keeps, and the pre-traffic hook's timeout and log retention."
  type = object({
    deployment_config       = string
    keep_releases           = optional(number, 5)
    hook_timeout_s          = optional(number, 60)
    hook_log_retention_days = optional(number, 14)
  })

  validation {
    condition     = can(regex("^CodeDeployDefault\\.Lambda(AllAtOnce|Canary10Percent(5|10|15|30)Minutes|Linear10PercentEvery(1Minute|(2|3|10)Minutes))$", var.release.deployment_config))
    error_message = "release.deployment_config must be a predefined CodeDeploy Lambda configuration, e.g. CodeDeployDefault.LambdaAllAtOnce, CodeDeployDefault.LambdaCanary10Percent5Minutes or CodeDeployDefault.LambdaLinear10PercentEvery1Minute."
  }

  validation {
    condition     = var.release.keep_releases >= 1 && var.release.keep_releases <= 10
    error_message = "release.keep_releases must be 1-10 (the history is one SSM parameter of at most 4 KB)."
  }

  validation {
    condition     = var.release.hook_timeout_s >= 10 && var.release.hook_timeout_s <= 900
    error_message = "release.hook_timeout_s must be 10-900 (CodeDeploy waits up to an hour for the hook's answer)."
  }

  validation {
    condition     = contains(local.log_retention_days, var.release.hook_log_retention_days)
    error_message = "release.hook_log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ...)."
  }
}
