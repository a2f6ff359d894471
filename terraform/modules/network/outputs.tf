output "vpc_id" {
  description = "ID of the stage's VPC."
  value       = aws_vpc.this.id
}

output "app_subnet_ids" {
  description = "Private app subnets for the VPC functions, in availability-zone order."
  value       = [for az in local.azs : aws_subnet.app[az].id]
}

output "database_subnet_ids" {
  description = "Private database subnets, in availability-zone order."
  value       = [for az in local.azs : aws_subnet.database[az].id]
}

output "app_security_group_id" {
  description = "Security group of the VPC functions; the database admits 3306 only from it."
  value       = aws_security_group.app.id
}
