output "vpc_id" {
  description = "ID of the stage's VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (NAT gateways), in availability-zone order."
  value       = [for az in local.azs : aws_subnet.public[az].id]
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

output "nat_gateway_ids" {
  description = "NAT gateways by availability zone."
  value       = { for az, nat in aws_nat_gateway.this : az => nat.id }
}

output "app_ips_needed" {
  description = "Addresses each app subnet must hold for the VPC functions' ENIs and interface endpoints (rule in docs/terraform.md)."
  value       = local.app_ips_needed
}
