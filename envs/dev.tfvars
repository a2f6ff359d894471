# dev: smallest footprint. No API cache, no warmer, one NAT, single-AZ
# database that can be thrown away.
stage  = "dev"
region = "eu-west-1"

network = {
  cidr_block         = "10.10.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  nat_mode           = "single"
}

database = {
  instance_class           = "db.t4g.micro"
  allocated_storage_gb     = 20
  max_allocated_storage_gb = 50
  multi_az                 = false
  deletion_protection      = false
  skip_final_snapshot      = true
  backup_retention_days    = 1
  max_connections          = 60
  connection_headroom      = 10
  client = {
    ca_bundle         = "/var/task/shop/certs/rds-global-bundle.pem"
    connect_timeout_s = 3
    read_timeout_s    = 10
  }
}

functions = {
  api     = { memory_mb = 512, timeout_s = 15, reserved_concurrency = 20, snap_start = true, log_retention_days = 7 }
  report  = { memory_mb = 512, timeout_s = 120, reserved_concurrency = 1, log_retention_days = 7 }
  migrate = { memory_mb = 512, timeout_s = 300, reserved_concurrency = 1, log_retention_days = 7 }
  warmer  = { memory_mb = 128, timeout_s = 30, reserved_concurrency = 1, log_retention_days = 7 }
}

config_ttl_seconds = 30

schedules = {
  warmer             = { enabled = false, rate_minutes = 10 }
  report             = { enabled = true, schedule_expression = "cron(0 6 * * ? *)" }
  app_login_rotation = { rate_days = 30 } # migrate gives api and report a new database login
}

api = {
  cache                     = { enabled = false, ttl_seconds = 0 }
  throttle                  = { rate_limit = 20, burst_limit = 40 }
  admin_usage_plan          = { rate_limit = 5, burst_limit = 10, quota_per_day = 1000 }
  logging_level             = "INFO"
  access_log_retention_days = 7
}

static_site = {
  price_class   = "PriceClass_100"
  force_destroy = true
}

notifications = {
  alarm_emails = []
}

monitoring = {
  api_5xx_threshold      = 10
  lambda_error_threshold = 5
  rds_free_storage_gb    = 2
}

app_config = {
  log_level            = "DEBUG"
  cors_allowed_origins = ["http://127.0.0.1:8080", "http://localhost:8080"]
  currency             = "EUR"
  sender_email         = "orders-dev@shop.example.com"
  report_recipients    = ["dev-team@shop.example.com"]
  warmer               = { concurrency = 2, hold_ms = 100, prime = true }
  features             = { order_emails = false, order_events = true }
}

# How a new api version gets traffic (all at once: nobody to protect); docs/terraform.md, "Releases".
release = {
  deployment_config = "CodeDeployDefault.LambdaAllAtOnce"
  keep_releases     = 5
}
