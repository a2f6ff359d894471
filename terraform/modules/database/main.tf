locals {
  port            = 3306
  family          = "mysql${join(".", slice(split(".", var.database.engine_version), 0, 2))}"
  connection_need = sum(concat([var.database.connection_headroom], values(var.client_concurrency)))
  connection_list = join(" + ", [for name, c in var.client_concurrency : "${name}=${c}"])

  # RDS Proxy opens at most max_connections_percent of the instance's
  # max_connections, its own monitoring connections included
  # (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html):
  # what is left is the headroom. The functions then hold proxy connections,
  # and a request that finds the pool full waits for a borrowed connection.
  proxy_pool_percent = floor(100 * (var.database.max_connections - var.database.connection_headroom) / var.database.max_connections)
  proxy_pool         = floor(var.database.max_connections * local.proxy_pool_percent / 100)
  log_exports        = ["error", "slowquery"]

  # Snapshot identifiers are unique in the account and region, so one fixed
  # name lets only the first destroy succeed. The instance's creation time
  # names the snapshot it leaves: every instance (a recreated stage, a
  # replacement) gets its own, and ignore_changes keeps it stable for the
  # instance's life. Set even when skipped, so turning skip_final_snapshot
  # off later still finds a name in the state.
  final_snapshot_identifier = "${var.name}-final-${formatdate("YYYYMMDD-hhmmss", timestamp())}"
}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Private database subnets of ${var.name}"
  subnet_ids  = var.subnet_ids
}

# A new engine family needs a new group while the instance still uses the old
# one: a fixed name would make Terraform delete the group in use first (RDS
# refuses) or create a second group under a taken name. A prefix lets both
# exist; the instance moves to the new group, then the old one goes.
resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-${replace(local.family, ".", "-")}-"
  family      = local.family
  description = "${var.name}: connection limit and TLS-only clients"

  parameter {
    name         = "max_connections"
    value        = tostring(var.database.max_connections)
    apply_method = "immediate"
  }

  # The functions verify the server certificate; refusing plaintext makes a
  # misconfigured client fail loudly instead of silently downgrading.
  parameter {
    name         = "require_secure_transport"
    value        = "1"
    apply_method = "immediate"
  }

  lifecycle {
    create_before_destroy = true

    # Each Lambda environment holds at most one connection (NullPool), so the
    # reserved concurrency of the clients bounds the connections they open.
    # Behind RDS Proxy the proxy's pool bounds them instead.
    precondition {
      condition     = var.database.enable_proxy || local.connection_need <= var.database.max_connections
      error_message = "Connection budget exceeded: reserved concurrency ${local.connection_list} plus headroom ${var.database.connection_headroom} is ${local.connection_need} connections, but database.max_connections is ${var.database.max_connections}. Lower functions.<name>.reserved_concurrency, raise database.max_connections (if the instance class has the memory for it), or set database.enable_proxy = true."
    }

    # Behind the proxy its pool takes the place of the functions' concurrency;
    # it must hold at least one connection per DB function, or one of them
    # could wait behind the others for every request.
    precondition {
      condition     = !var.database.enable_proxy || (local.proxy_pool + var.database.connection_headroom <= var.database.max_connections && local.proxy_pool >= length(var.client_concurrency))
      error_message = "RDS Proxy budget: a pool of ${local.proxy_pool_percent}% of max_connections ${var.database.max_connections} is ${local.proxy_pool} connections, plus headroom ${var.database.connection_headroom}; it must fit max_connections and hold at least one connection for each of the ${length(var.client_concurrency)} database functions. Raise database.max_connections or lower connection_headroom."
    }
  }
}

resource "aws_security_group" "this" {
  name        = "${var.name}-database"
  description = "MySQL, reachable only from the functions (or the proxy)"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  security_group_id            = aws_security_group.this.id
  description                  = "MySQL from the functions"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.database.enable_proxy ? aws_security_group.proxy[0].id : var.client_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "clients_to_database" {
  security_group_id            = var.client_security_group_id
  description                  = "MySQL to ${var.database.enable_proxy ? "RDS Proxy" : "the database"}"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.database.enable_proxy ? aws_security_group.proxy[0].id : aws_security_group.this.id
}

# RDS creates the export log groups on first write, without retention;
# declaring them first keeps their retention under Terraform.
#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "exports" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is database.log_retention_days (30 days by default): error and slow-query logs serve recent investigations, not an audit archive.
  for_each          = toset(local.log_exports)
  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.database.log_retention_days
}

#trivy:ignore:AVD-AWS-0077 database.backup_retention_days is per stage: 1 day in dev (disposable data), 7 in qa, 14 in prod; a validation refuses 0.
#trivy:ignore:AVD-AWS-0133 database.performance_insights is per stage: on in prod, off in dev and qa.
#trivy:ignore:AVD-AWS-0176 The functions log in with a password from Secrets Manager over verified TLS; IAM authentication limits new connections per second (AWS advises under 200/s) and the design opens one connection per request (NullPool).
#trivy:ignore:AVD-AWS-0177 database.deletion_protection is per stage: on in prod (a validation refuses prod without it), off in dev and qa so they can be torn down.
#trivy:ignore:AVD-AWS-0078 Performance Insights (prod only) is encrypted with the AWS-managed aws/rds key like the storage; a customer-managed key would need a key policy naming the account and narrows nothing in a one-account stage.
resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_293: database.deletion_protection is per stage: on in prod (a validation refuses prod without it), off in dev and qa so they can be torn down.
  #checkov:skip=CKV_AWS_157: database.multi_az is per stage: prod must be multi-AZ (a validation refuses it otherwise); dev and qa save the standby.
  #checkov:skip=CKV_AWS_118: The alarms use the standard RDS metrics and prod has Performance Insights; enhanced monitoring would add a monitoring role and per-second OS metrics nobody reads at this size.
  #checkov:skip=CKV_AWS_161: The functions log in with a password from Secrets Manager over verified TLS; IAM authentication limits new connections per second (AWS advises under 200/s) and the design opens one connection per request (NullPool).
  #checkov:skip=CKV_AWS_354: Performance Insights (prod only) is encrypted with the AWS-managed aws/rds key like the storage; a customer-managed key would need a key policy naming the account and narrows nothing in a one-account stage.
  identifier     = var.name
  engine         = "mysql"
  engine_version = var.database.engine_version
  instance_class = var.database.instance_class

  allocated_storage     = var.database.allocated_storage_gb
  max_allocated_storage = var.database.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true

  db_name  = var.database.db_name
  username = var.database.master_username
  # RDS creates and rotates the password in Secrets Manager: it never
  # appears in tfvars, plan or state.
  manage_master_user_password = true

  port                   = local.port
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.database.multi_az
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  backup_retention_period   = var.database.backup_retention_days
  backup_window             = var.database.backup_window
  maintenance_window        = var.database.maintenance_window
  copy_tags_to_snapshot     = true
  deletion_protection       = var.database.deletion_protection
  skip_final_snapshot       = var.database.skip_final_snapshot
  final_snapshot_identifier = local.final_snapshot_identifier

  auto_minor_version_upgrade      = true
  performance_insights_enabled    = var.database.performance_insights
  enabled_cloudwatch_logs_exports = local.log_exports

  tags = { Name = var.name }

  lifecycle {
    # Fixed when this instance is created (see locals), then kept: a later
    # plan must not rename the snapshot this instance will leave behind.
    ignore_changes = [final_snapshot_identifier]
  }

  depends_on = [aws_cloudwatch_log_group.exports]
}

# The functions' own login. Terraform creates the secret but never a value:
# the migrate function generates the password, creates or updates the
# application user with it and writes the secret (shop/dbusers.py), so no
# password is in the plan or the state. Rotation (migrate's schedule, in the
# root) alternates two users, so the login the functions hold stays valid
# until the next rotation.
#trivy:ignore:AVD-AWS-0098 Encrypted with the AWS-managed aws/secretsmanager key like the RDS-managed master secret; a customer-managed key would need a key policy naming the account (the offline plan never looks it up).
resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57: Rotated by the migrate function ({"action": "rotate"}) on a per-stage EventBridge schedule (schedules.app_login_rotation, at most 90 days), alternating two users; Secrets Manager's own rotation would need a second rotation function with the same database rights.
  #checkov:skip=CKV_AWS_149: Encrypted with the AWS-managed aws/secretsmanager key like the RDS-managed master secret; a customer-managed key would need a key policy naming the account (the offline plan never looks it up).
  name_prefix             = "${var.name}-db-app-"
  description             = "Login of the ${var.name} functions: an application user with data rights only, kept by the migrate function"
  recovery_window_in_days = 7
}

resource "aws_security_group" "proxy" {
  #checkov:skip=CKV2_AWS_5: Attached to aws_db_proxy.this; both exist only when database.enable_proxy is on, so a scan of the source sees the group without its proxy.
  count = var.database.enable_proxy ? 1 : 0

  name        = "${var.name}-db-proxy"
  description = "RDS Proxy in front of ${var.name}"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-db-proxy" }
}

resource "aws_vpc_security_group_ingress_rule" "proxy_from_clients" {
  count = var.database.enable_proxy ? 1 : 0

  security_group_id            = aws_security_group.proxy[0].id
  description                  = "MySQL from the functions"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "proxy_to_database" {
  count = var.database.enable_proxy ? 1 : 0

  security_group_id            = aws_security_group.proxy[0].id
  description                  = "MySQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.this.id
}

resource "aws_db_proxy" "this" {
  count = var.database.enable_proxy ? 1 : 0

  name                   = var.name
  engine_family          = "MYSQL"
  role_arn               = aws_iam_role.proxy[0].arn
  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.proxy[0].id]
  require_tls            = true

  # One auth entry per database user a client logs in as: the proxy answers a
  # login only for a user one of its secrets names
  # (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html:
  # "a separate Secrets Manager secret for each database user account that the
  # proxy connects to"). migrate logs in as the master user; api and report as
  # the application user the app secret names at the time (app_a or app_b:
  # the proxy reads the secret's current version only, so after a rotation it
  # refuses the former user and the functions re-read the secret, see
  # docs/terraform.md).
  auth {
    description = "master user (migrate)"
    auth_scheme = "SECRETS"
    iam_auth    = "DISABLED"
    secret_arn  = aws_db_instance.this.master_user_secret[0].secret_arn
  }

  auth {
    description = "application user (api, report)"
    auth_scheme = "SECRETS"
    iam_auth    = "DISABLED"
    secret_arn  = aws_secretsmanager_secret.app.arn
  }
}

resource "aws_db_proxy_default_target_group" "this" {
  count = var.database.enable_proxy ? 1 : 0

  db_proxy_name = aws_db_proxy.this[0].name

  connection_pool_config {
    # Keeps the connection headroom free for operators and migrations.
    max_connections_percent = local.proxy_pool_percent
    # Must not exceed max_connections_percent (RDS refuses the target group
    # otherwise); half the pool stays open between bursts, as AWS's default
    # does for a 100% pool.
    max_idle_connections_percent = floor(local.proxy_pool_percent / 2)
    # A function gives up after its connect timeout (the lock-wait SET at
    # connect is the first statement, so the wait for a pooled connection
    # happens within it); the proxy stops waiting then too, instead of its
    # default 120 s for a client that is gone.
    connection_borrow_timeout = var.database.client.connect_timeout_s
  }
}

resource "aws_db_proxy_target" "this" {
  count = var.database.enable_proxy ? 1 : 0

  db_proxy_name          = aws_db_proxy.this[0].name
  target_group_name      = aws_db_proxy_default_target_group.this[0].name
  db_instance_identifier = aws_db_instance.this.identifier
}
