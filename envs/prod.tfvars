# prod: multi-AZ everything and deletion protection. Provisioned
# concurrency keeps the base load's api environments initialised; the warmer
# keeps a few more on-demand environments warm for bursts above it.
# To put prod in its own account, set assume_role (docs/terraform.md).
stage  = "prod"
region = "eu-west-1"

network = {
  cidr_block         = "10.30.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  nat_mode           = "per_az"
}

database = {
  instance_class           = "db.m6g.large"
  allocated_storage_gb     = 100
  max_allocated_storage_gb = 500
  multi_az                 = true
  deletion_protection      = true
  skip_final_snapshot      = false
  backup_retention_days    = 14
  max_connections          = 200
  connection_headroom      = 20
  performance_insights     = true
  client = {
    ca_bundle         = "/var/task/shop/certs/rds-global-bundle.pem"
    connect_timeout_s = 3
    read_timeout_s    = 10
  }
}

functions = {
  api     = { memory_mb = 1024, timeout_s = 15, reserved_concurrency = 150, provisioned_concurrency = 5, log_retention_days = 90 }
  report  = { memory_mb = 1024, timeout_s = 300, reserved_concurrency = 2, log_retention_days = 90 }
  migrate = { memory_mb = 512, timeout_s = 300, reserved_concurrency = 1, log_retention_days = 365 }
  warmer  = { memory_mb = 128, timeout_s = 30, reserved_concurrency = 1, log_retention_days = 30 }
}

config_ttl_seconds = 60

schedules = {
  warmer             = { enabled = true, rate_minutes = 5 }
  report             = { enabled = true, schedule_expression = "cron(0 5 * * ? *)" }
  app_login_rotation = { rate_days = 7 } # migrate gives api and report a new database login
}

api = {
  cache                     = { enabled = true, size_gb = "1.6", ttl_seconds = 300 }
  throttle                  = { rate_limit = 500, burst_limit = 1000 }
  admin_usage_plan          = { rate_limit = 10, burst_limit = 20, quota_per_day = 20000 }
  logging_level             = "ERROR"
  access_log_retention_days = 90
  xray_tracing              = true
}

static_site = {
  price_class = "PriceClass_200"
}

notifications = {
  alarm_emails = ["oncall@shop.example.com"]
}

monitoring = {
  api_5xx_threshold      = 5
  lambda_error_threshold = 1
  rds_free_storage_gb    = 10
  period_seconds         = 60
  evaluation_periods     = 3
}

app_config = {
  log_level            = "WARNING"
  cors_allowed_origins = ["https://shop.example.com", "https://www.shop.example.com"]
  currency             = "EUR"
  sender_email         = "orders@shop.example.com"
  report_recipients    = ["ops@shop.example.com"]
  warmer               = { concurrency = 10, hold_ms = 100, prime = true }
  features             = { order_emails = true, order_events = true }
}

# How a new api version gets traffic (10% more every 2 minutes (20 minutes), alarms watching); docs/terraform.md, "Releases".
release = {
  deployment_config = "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes"
  keep_releases     = 5
}
