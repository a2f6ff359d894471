locals {
  azs = var.network.availability_zones
  # Subnets are carved in one call so they never overlap: app subnets first
  # (the largest, they hold the Lambda ENIs), then database, then public.
  subnet_cidrs = cidrsubnets(
    var.network.cidr_block,
    concat(
      [for az in local.azs : var.network.subnet_newbits.app],
      [for az in local.azs : var.network.subnet_newbits.database],
      [for az in local.azs : var.network.subnet_newbits.public],
    )...
  )
  az_count       = length(local.azs)
  app_cidrs      = { for i, az in local.azs : az => local.subnet_cidrs[i] }
  database_cidrs = { for i, az in local.azs : az => local.subnet_cidrs[local.az_count + i] }
  public_cidrs   = { for i, az in local.azs : az => local.subnet_cidrs[2 * local.az_count + i] }

  nat_azs = {
    single = [local.azs[0]]
    per_az = local.azs
    none   = []
  }[var.network.nat_mode]
  # Which NAT each app subnet's default route uses: its own zone's when there
  # is one per zone, otherwise the single one.
  nat_for_az = { for az in local.azs : az => contains(local.nat_azs, az) ? az : local.nat_azs[0] if length(local.nat_azs) > 0 }

  # ENI rule (docs/terraform.md): Lambda's Hyperplane ENIs are shared per
  # (subnet, security-group set) and carry up to 65,000 connections each; a
  # function environment holds at most one database connection plus a few
  # HTTPS connections to AWS APIs. Doubled because a changed subnet or
  # security-group set gets new ENIs before the old ones are released.
  connections_per_environment = 4
  hyperplane_enis             = var.eni_demand.security_group_sets * max(1, ceil(var.eni_demand.concurrency * local.connections_per_environment / 65000))
  app_ips_needed              = 2 * local.hyperplane_enis + length(var.network.interface_endpoints)
  # AWS reserves five addresses in every subnet.
  app_ips_usable = pow(2, 32 - tonumber(split("/", local.app_cidrs[local.azs[0]])[1])) - 5
}

resource "aws_vpc" "this" {
  cidr_block = var.network.cidr_block
  # Both are needed for RDS endpoint names and private interface endpoints.
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# Nothing may use the default security group by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-default-unused" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

resource "aws_subnet" "public" {
  for_each = local.public_cidrs

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value

  tags = { Name = "${var.name}-public-${each.key}", Tier = "public" }
}

resource "aws_subnet" "app" {
  for_each = local.app_cidrs

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value

  tags = { Name = "${var.name}-app-${each.key}", Tier = "app" }

  lifecycle {
    precondition {
      condition     = local.app_ips_needed <= local.app_ips_usable
      error_message = "App subnet ${each.value} has ${local.app_ips_usable} usable addresses but needs ${local.app_ips_needed}: 2 x ${local.hyperplane_enis} Lambda Hyperplane ENI(s) for ${var.eni_demand.concurrency} reserved concurrency in ${var.eni_demand.security_group_sets} security-group set(s), plus ${length(var.network.interface_endpoints)} interface endpoint ENI(s). Lower network.subnet_newbits.app, enlarge network.cidr_block or drop interface endpoints."
    }
  }
}

resource "aws_subnet" "database" {
  for_each = local.database_cidrs

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value

  tags = { Name = "${var.name}-db-${each.key}", Tier = "database" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-public" }
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_azs)

  domain = "vpc"

  tags = { Name = "${var.name}-nat-${each.key}" }
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_azs)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id

  tags = { Name = "${var.name}-${each.key}" }

  depends_on = [aws_internet_gateway.this]
}

# One table per zone so that per_az NAT keeps a zone's traffic in its zone.
resource "aws_route_table" "app" {
  for_each = local.app_cidrs

  vpc_id = aws_vpc.this.id

  # Says in the console which NAT the zone's traffic leaves through.
  tags = { Name = "${var.name}-app-${each.key}", Egress = try("nat-${local.nat_for_az[each.key]}", "none") }

  lifecycle {
    precondition {
      condition     = !var.app_subnets_need_internet || var.network.nat_mode != "none"
      error_message = "The app subnets need internet access (the functions in them call AWS APIs without an interface endpoint, such as SES) but network.nat_mode is \"none\": set it to \"single\" or \"per_az\"."
    }
  }
}

resource "aws_route" "app_internet" {
  for_each = local.nat_for_az

  route_table_id         = aws_route_table.app[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[each.value].id
}

resource "aws_route_table_association" "app" {
  for_each = aws_subnet.app

  subnet_id      = each.value.id
  route_table_id = aws_route_table.app[each.key].id
}

# The database subnets never reach the internet.
resource "aws_route_table" "database" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-db" }
}

resource "aws_route_table_association" "database" {
  for_each = aws_subnet.database

  subnet_id      = each.value.id
  route_table_id = aws_route_table.database.id
}

# S3 traffic skips the NAT (and its per-GB charge).
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = concat([for rt in aws_route_table.app : rt.id], [aws_route_table.database.id])

  tags = { Name = "${var.name}-s3" }
}

resource "aws_security_group" "app" {
  #checkov:skip=CKV2_AWS_5: Attached to the api, report and migrate functions through their vpc_config in module.function, a reference across modules the scanner does not follow.
  name        = "${var.name}-functions"
  description = "Lambda functions that reach the database"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-functions" }
}

# AWS APIs (SSM, Secrets Manager, SNS, SES) over HTTPS; the database rule is
# added by the database module, which owns that port.
#trivy:ignore:AVD-AWS-0104 HTTPS only, to public AWS API endpoints (SSM, Secrets Manager, SNS, SES) through the NAT: they have no fixed address range, and the SES API has no interface endpoint.
resource "aws_vpc_security_group_egress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  description       = "AWS APIs over HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "endpoints" {
  count = length(var.network.interface_endpoints) > 0 ? 1 : 0

  name        = "${var.name}-endpoints"
  description = "Interface endpoints, reachable from the functions"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_app" {
  count = length(var.network.interface_endpoints) > 0 ? 1 : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the functions"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_endpoint" "interface" {
  for_each = var.network.interface_endpoints

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for s in aws_subnet.app : s.id]
  security_group_ids  = [aws_security_group.endpoints[0].id]

  tags = { Name = "${var.name}-${each.key}" }
}

# Rejected traffic is the security signal (something knocking on a port the
# security groups close); accepted traffic would mostly be NAT volume.
#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "flow" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is network.flow_log_retention_days (30 by default): rejected-traffic records serve recent investigations, not an audit archive.
  name              = "/aws/vpc/${var.name}/flow-rejects"
  retention_in_days = var.network.flow_log_retention_days
}

resource "aws_flow_log" "this" {
  vpc_id                   = aws_vpc.this.id
  traffic_type             = "REJECT"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow.arn
  iam_role_arn             = aws_iam_role.flow.arn
  max_aggregation_interval = 600

  tags = { Name = "${var.name}-rejects" }
}
