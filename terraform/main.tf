locals {
  # The workspace is the stage; var.stage only exists so a plan with another
  # stage's tfvars is refused (see its validation).
  stage = terraform.workspace
  name  = "${var.project}-${local.stage}"

  manifest_path = coalesce(var.manifest_path, "${path.root}/../build/manifest.json")

  manifest = jsondecode(file(local.manifest_path))
  # Manifest paths are relative to the repository root, the manifest's
  # grandparent. Kept relative so the state does not depend on the checkout.
  package_root = dirname(dirname(local.manifest_path))

  contract_path = coalesce(var.contract_path, "${path.root}/../api/openapi.yaml")

  packages = {
    for name, fn in local.manifest.functions : name => {
      filename         = "${local.package_root}/${fn.path}"
      source_code_hash = fn.sha256_base64
      handler          = fn.handler
      runtime          = fn.runtime
      architecture     = fn.architecture
      layer_arns       = [for layer in fn.layers : module.layer[layer].layer_version_arn]
    }
  }

  # What each stage function's module call starts from, all named by its
  # short name once: name, stage alias, tfvars settings and built package.
  function_inputs = {
    for key, settings in var.functions : key => {
      name       = "${local.name}-${key}"
      alias_name = local.stage
      settings   = settings
      package    = local.packages[key]
    }
  }

  vpc_placement = {
    subnet_ids         = module.network.app_subnet_ids
    security_group_ids = [module.network.app_security_group_id]
  }

  # Environment of every function that reads the config and the database
  # (names and meaning: docs/architecture.md).
  database_client_environment = {
    SHOP_PROJECT            = var.project
    SHOP_STAGE              = local.stage
    SHOP_ALIASES            = local.stage
    SHOP_CONFIG_PARAMETER   = "/${var.project}/{alias}/config"
    SHOP_CONFIG_TTL_SECONDS = tostring(var.config_ttl_seconds)
    SHOP_DB_SECRET_ARN      = module.database.app_secret_arn
    SHOP_DB_HOST            = module.database.client.host
    SHOP_DB_PORT            = tostring(module.database.client.port)
    SHOP_DB_NAME            = module.database.client.db_name
    SHOP_DB_CA_BUNDLE       = module.database.client.ca_bundle
    SHOP_DB_CONNECT_TIMEOUT = tostring(var.database.client.connect_timeout_s)
    SHOP_DB_READ_TIMEOUT    = tostring(var.database.client.read_timeout_s)
  }

  database_client_statements = [
    { sid = "ReadAppConfig", actions = ["ssm:GetParameter"], resources = [module.config.parameter_arn] },
    { sid = "ReadDatabaseSecret", actions = ["secretsmanager:GetSecretValue"], resources = [module.database.app_secret_arn] },
  ]

  # Only migrate logs in as the master user, to keep the application user
  # (created, granted, its password set and rotated) and run migrations.
  migrate_statements = [
    { sid = "ReadAppConfig", actions = ["ssm:GetParameter"], resources = [module.config.parameter_arn] },
    { sid = "ReadMasterSecret", actions = ["secretsmanager:GetSecretValue"], resources = [module.database.secret_arn] },
    { sid = "KeepAppSecret", actions = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], resources = [module.database.app_secret_arn] },
  ]

  notifier_environment = { SHOP_TOPIC_ARN = module.notifications.topic_arn }
  notifier_statements = [
    { sid = "PublishOrderEvents", actions = ["sns:Publish"], resources = [module.notifications.topic_arn] },
    { sid = "SendMailAsSender", actions = ["ses:SendEmail", "ses:SendRawEmail"], resources = [module.notifications.sender_identity_arn] },
  ]

  # Config and secret are read through AWS's Parameters and Secrets
  # extension (no botocore on the read path); its parameter cache follows the
  # config TTL so a change still lands within about twice that TTL.
  parameters_secrets_extension = {
    region          = var.region
    port            = 2773
    parameter_ttl_s = min(var.config_ttl_seconds, 300)
    secret_ttl_s    = 300
  }

  # The functions that hold database connections and sit in the VPC.
  database_clients = {
    api     = var.functions["api"]
    report  = var.functions["report"]
    migrate = var.functions["migrate"]
  }
}

module "network" {
  source = "./modules/network"

  name    = local.name
  region  = var.region
  network = var.network

  # The VPC functions send mail through the SES API, which has no interface
  # endpoint, so their subnets need a NAT whatever endpoints exist.
  app_subnets_need_internet = true

  eni_demand = {
    concurrency         = sum([for f in values(local.database_clients) : f.reserved_concurrency])
    security_group_sets = 1
  }
}

module "database" {
  source = "./modules/database"

  name                     = local.name
  database                 = var.database
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.database_subnet_ids
  client_security_group_id = module.network.app_security_group_id
  client_concurrency       = { for name, f in local.database_clients : name => f.reserved_concurrency }
}

module "config" {
  source = "./modules/config"

  parameter_name = "/${var.project}/${local.stage}/config"
  document       = jsonencode(var.app_config)
}

module "notifications" {
  source = "./modules/notifications"

  name         = local.name
  sender_email = var.app_config.sender_email
  alarm_emails = var.notifications.alarm_emails
}

module "layer" {
  source   = "./modules/layer"
  for_each = local.manifest.layers

  name = "${local.name}-${each.key}"
  package = {
    filename         = "${local.package_root}/${each.value.path}"
    source_code_hash = each.value.sha256_base64
    runtime          = each.value.runtime
    architecture     = each.value.architecture
  }
}

module "api_function" {
  source = "./modules/function"

  function                     = local.function_inputs["api"]
  description                  = "Products-and-orders API behind API Gateway (${local.stage})"
  vpc                          = local.vpc_placement
  parameters_secrets_extension = local.parameters_secrets_extension
  environment = merge(local.database_client_environment, local.notifier_environment, {
    # Allowed besides the config's origins: the storefront's domain is only
    # known once CloudFront exists, so it cannot be in the tfvars.
    SHOP_SITE_ORIGIN = module.static_site.url
  })
  policy_statements = concat(local.database_client_statements, local.notifier_statements)
}

module "report_function" {
  source = "./modules/function"

  function                     = local.function_inputs["report"]
  description                  = "Daily order report; retries unsent notifications (${local.stage})"
  vpc                          = local.vpc_placement
  parameters_secrets_extension = local.parameters_secrets_extension
  environment                  = merge(local.database_client_environment, local.notifier_environment)
  policy_statements            = concat(local.database_client_statements, local.notifier_statements)

  schedules = {
    daily-report = {
      description         = "Daily order report for ${local.stage}"
      schedule_expression = var.schedules.report.schedule_expression
      enabled             = var.schedules.report.enabled
    }
    # Sends what the api left in the outbox (docs/architecture.md).
    relay = {
      description         = "Outbox relay for ${local.stage}: unsent notifications, backoff, parking"
      schedule_expression = "rate(${var.schedules.relay.rate_minutes} ${var.schedules.relay.rate_minutes == 1 ? "minute" : "minutes"})"
      enabled             = var.schedules.relay.enabled
      input               = jsonencode({ action = "relay" })
    }
  }
}

module "migrate_function" {
  source = "./modules/function"

  function                     = local.function_inputs["migrate"]
  description                  = "Alembic migrations inside the VPC, invoked by deploy (${local.stage})"
  vpc                          = local.vpc_placement
  parameters_secrets_extension = local.parameters_secrets_extension
  environment = merge(local.database_client_environment, {
    SHOP_DB_SECRET_ARN     = module.database.secret_arn
    SHOP_DB_APP_SECRET_ARN = module.database.app_secret_arn
    SHOP_DB_APP_USER       = "app"
  })
  policy_statements = local.migrate_statements

  # The application login's rotation (shop/dbusers.py). The api and report
  # keep working through it: the secret switches to the other of two users,
  # the one they hold stays valid until the next rotation, and a function
  # refused with 1045 re-reads the secret once (shop/credentials.py).
  schedules = {
    rotate-app-login = {
      description         = "Gives the ${local.stage} functions a new database login"
      schedule_expression = "rate(${var.schedules.app_login_rotation.rate_days} ${var.schedules.app_login_rotation.rate_days == 1 ? "day" : "days"})"
      enabled             = true
      input               = jsonencode({ action = "rotate" })
    }
  }
}

# Outside the VPC on purpose: it only calls the Lambda API, so it needs no
# subnet IPs and no NAT.
module "warmer_function" {
  source = "./modules/function"

  function    = local.function_inputs["warmer"]
  description = "Keeps api environments of the ${local.stage} alias warm"
  vpc         = null
  environment = {
    SHOP_PROJECT            = var.project
    SHOP_STAGE              = local.stage
    SHOP_TARGET_FUNCTION    = module.api_function.alias_arn
    SHOP_WARMER_CONCURRENCY = tostring(var.app_config.warmer.concurrency)
    SHOP_WARMER_HOLD_MS     = tostring(var.app_config.warmer.hold_ms)
    SHOP_WARMER_PRIME       = var.app_config.warmer.prime ? "1" : "0"
  }
  policy_statements = [
    { sid = "InvokeApiAlias", actions = ["lambda:InvokeFunction"], resources = [module.api_function.alias_arn] },
  ]

  schedules = {
    warm-api = {
      description         = "Keeps the ${local.stage} api alias warm"
      schedule_expression = "rate(${var.schedules.warmer.rate_minutes} ${var.schedules.warmer.rate_minutes == 1 ? "minute" : "minutes"})"
      enabled             = var.schedules.warmer.enabled
    }
  }
}

module "api" {
  source = "./modules/api"

  name          = local.name
  stage         = local.stage
  region        = var.region
  contract_path = local.contract_path
  settings      = var.api
  # Browsers may call the API from the stage's storefront (known once
  # CloudFront exists) and from the tfvars' origins.
  cors_origins = var.app_config.cors_allowed_origins
  site_origin  = module.static_site.url

  function = {
    name       = module.api_function.function_name
    alias_name = module.api_function.alias_name
  }
  # Built, not read from the function: the body is a dependency of the
  # deployment (create_before_destroy), and Terraform forces that behaviour
  # onto every dependency (https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#create_before_destroy).
  # Through the function's ARN it reached the function, its role, log group,
  # config parameter and the database, whose fixed names cannot exist twice.
  # The layer lives in the same partition, region and account.
  function_arn = "${join(":", slice(split(":", module.layer["deps"].layer_version_arn), 0, 5))}:function:${local.name}-api"
}

module "static_site" {
  source = "./modules/static_site"

  name         = local.name
  site         = var.static_site
  region       = var.region
  api_base_url = module.api.invoke_url
  stage        = local.stage
}

module "monitoring" {
  source = "./modules/monitoring"

  name            = local.name
  region          = var.region
  alarm_topic_arn = module.notifications.alarm_topic_arn
  thresholds      = var.monitoring

  stage         = local.stage
  api_name      = module.api.rest_api_name
  relay_enabled = var.schedules.relay.enabled

  functions = {
    api     = { name = module.api_function.function_name, timeout_s = var.functions["api"].timeout_s }
    report  = { name = module.report_function.function_name, timeout_s = var.functions["report"].timeout_s }
    migrate = { name = module.migrate_function.function_name, timeout_s = var.functions["migrate"].timeout_s }
    warmer  = { name = module.warmer_function.function_name, timeout_s = var.functions["warmer"].timeout_s }
  }

  database = {
    instance_identifier = module.database.instance_identifier
    max_connections     = var.database.max_connections
  }
}

# Releases: CodeDeploy shifts the api alias (canary/linear per stage) behind
# a pre-traffic hook and the api's alarms; docs/terraform.md, "Releases".
module "release" {
  source = "./modules/release"

  name         = local.name
  settings     = var.release
  api_function = { name = module.api_function.function_name, arn = module.api_function.function_arn }
  alarms       = module.monitoring.api_alarms
  hook_package = local.packages["pretraffic"]
}
