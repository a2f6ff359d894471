output "endpoint_address" {
  description = "Host the functions connect to: the RDS Proxy endpoint when enabled, otherwise the instance."
  value       = var.database.enable_proxy ? aws_db_proxy.this[0].endpoint : aws_db_instance.this.address
}

output "port" {
  description = "MySQL port."
  value       = local.port
}

output "db_name" {
  description = "Name of the application schema."
  value       = aws_db_instance.this.db_name
}

output "secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding username and password (the ARN, never the password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "instance_identifier" {
  description = "RDS instance identifier, the dimension of its CloudWatch metrics."
  value       = aws_db_instance.this.identifier
}

output "security_group_id" {
  description = "Security group of the database instance."
  value       = aws_security_group.this.id
}

output "connection_budget" {
  description = "Connections the functions may open (reserved concurrency) plus headroom, against max_connections."
  value = {
    needed          = local.connection_need
    max_connections = var.database.max_connections
  }
}
