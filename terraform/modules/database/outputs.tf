output "client" {
  description = "What the functions connect with, chosen together so a host never comes with the other's CA bundle: the host (the RDS Proxy endpoint when enabled, otherwise the instance), the MySQL port, the application schema, and the CA bundle that verifies the host (RDS Proxy presents certificates of Amazon's public roots (ACM), the instance one of the RDS CA)."
  value = {
    host      = var.database.enable_proxy ? aws_db_proxy.this[0].endpoint : aws_db_instance.this.address
    port      = local.port
    db_name   = aws_db_instance.this.db_name
    ca_bundle = var.database.enable_proxy ? var.database.client.proxy_ca_bundle : var.database.client.ca_bundle
  }
}

output "secret_arn" {
  description = "ARN of the RDS-managed master secret (username and password; the ARN, never the password): only the migrate function reads it."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "instance_identifier" {
  description = "RDS instance identifier, the dimension of its CloudWatch metrics."
  value       = aws_db_instance.this.identifier
}

output "connection_budget" {
  description = "Connections the database may see, against max_connections: the functions' reserved concurrency plus headroom, or behind RDS Proxy its pool (max_connections_percent of max_connections) plus headroom."
  value = {
    needed          = var.database.enable_proxy ? local.proxy_pool + var.database.connection_headroom : local.connection_need
    max_connections = var.database.max_connections
    through_proxy   = var.database.enable_proxy
  }
}

output "app_secret_arn" {
  description = "ARN of the application user's secret, written by the migrate function and read by the api and report functions."
  value       = aws_secretsmanager_secret.app.arn
}
