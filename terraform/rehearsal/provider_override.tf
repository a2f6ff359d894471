# Rehearsal only: every service the root uses is pointed at the moto server.
# The sts endpoint answers GetCallerIdentity, so ARNs carry moto's account.
provider "aws" {
  access_key                  = "rehearsal"
  secret_key                  = "rehearsal-not-a-secret"
  max_retries                 = 2
  skip_credentials_validation = false
  skip_requesting_account_id  = false
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    apigateway     = var.rehearsal_endpoint
    cloudfront     = var.rehearsal_endpoint
    cloudwatch     = var.rehearsal_endpoint
    codedeploy     = var.rehearsal_endpoint
    ec2            = var.rehearsal_endpoint
    events         = var.rehearsal_endpoint
    iam            = var.rehearsal_endpoint
    kms            = var.rehearsal_endpoint
    lambda         = var.rehearsal_endpoint
    logs           = var.rehearsal_endpoint
    rds            = var.rehearsal_endpoint
    s3             = var.rehearsal_endpoint
    secretsmanager = var.rehearsal_endpoint
    ses            = var.rehearsal_endpoint
    sns            = var.rehearsal_endpoint
    sqs            = var.rehearsal_endpoint
    ssm            = var.rehearsal_endpoint
    sts            = var.rehearsal_endpoint
  }
}
