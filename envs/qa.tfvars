# qa: production-like behaviour (cache, warmer, TLS-only database) at a
# smaller size and in the shared non-prod account.
stage  = "qa"
region = "eu-west-1"

network = {
  cidr_block         = "10.20.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  nat_mode           = "single"
}

database = {
  instance_class           = "db.t4g.small"
  allocated_storage_gb     = 20
  max_allocated_storage_gb = 100
  multi_az                 = false
  deletion_protection      = false
  skip_final_snapshot      = false
  backup_retention_days    = 7
  max_connections          = 90
  connection_headroom      = 10
  client = {
    ca_bundle         = "/var/task/shop/certs/rds-global-bundle.pem"
    connect_timeout_s = 3
    read_timeout_s    = 10
  }
}

functions = {
  api     = { memory_mb = 1024, timeout_s = 15, reserved_concurrency = 40, log_retention_days = 14 }
  report  = { memory_mb = 512, timeout_s = 120, reserved_concurrency = 1, log_retention_days = 14 }
  migrate = { memory_mb = 512, timeout_s = 300, reserved_concurrency = 1, log_retention_days = 30 }
  warmer  = { memory_mb = 128, timeout_s = 30, reserved_concurrency = 1, log_retention_days = 7 }
}

config_ttl_seconds = 60

schedules = {
  warmer             = { enabled = true, rate_minutes = 10 }
  report             = { enabled = true, schedule_expression = "cron(0 6 * * ? *)" }
  app_login_rotation = { rate_days = 30 } # migrate gives api and report a new database login
}

api = {
  cache                     = { enabled = true, size_gb = "0.5", ttl_seconds = 60 }
  throttle                  = { rate_limit = 50, burst_limit = 100 }
  admin_usage_plan          = { rate_limit = 5, burst_limit = 10, quota_per_day = 5000 }
  logging_level             = "ERROR"
  access_log_retention_days = 14
}

static_site = {
  price_class = "PriceClass_100"
}

notifications = {
  alarm_emails = []
}

monitoring = {
  api_5xx_threshold      = 5
  lambda_error_threshold = 3
  rds_free_storage_gb    = 4
}

app_config = {
  log_level            = "INFO"
  cors_allowed_origins = ["https://qa.shop.example.com"]
  currency             = "EUR"
  sender_email         = "orders-qa@shop.example.com"
  report_recipients    = ["qa-team@shop.example.com"]
  warmer               = { concurrency = 3, hold_ms = 100, prime = true }
  features             = { order_emails = true, order_events = true }
}

# How a new api version gets traffic (10% for 5 minutes, then the rest); docs/terraform.md, "Releases".
release = {
  deployment_config = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
  keep_releases     = 5
}
