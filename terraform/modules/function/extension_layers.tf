# The AWS Parameters and Secrets Lambda Extension (version 1.0.103), as AWS
# publishes it: one layer per region and architecture, each in an
# AWS-owned account of that region. The list is data, not a lookup: the
# offline plan calls no AWS API, and an account cannot list another's
# layers anyway. A test checks that every region the root's `region`
# validation accepts has an x86_64 layer here.
# Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html#retrieving-secrets_lambda_ARNs
# (the same table as AWS CDK's PARAMS_AND_SECRETS_LAMBDA_LAYER_ARNS).
locals {
  parameters_secrets_extension_accounts = {
    "af-south-1"     = "317013901791"
    "ap-east-1"      = "768336418462"
    "ap-northeast-1" = "133490724326"
    "ap-northeast-2" = "738900069198"
    "ap-northeast-3" = "576959938190"
    "ap-south-1"     = "176022468876"
    "ap-south-2"     = "070087711984"
    "ap-southeast-1" = "044395824272"
    "ap-southeast-2" = "665172237481"
    "ap-southeast-3" = "490737872127"
    "ca-central-1"   = "200266452380"
    "eu-central-1"   = "187925254637"
    "eu-central-2"   = "772501565639"
    "eu-north-1"     = "427196147048"
    "eu-south-1"     = "325218067255"
    "eu-south-2"     = "524103009944"
    "eu-west-1"      = "015030872274"
    "eu-west-2"      = "133256977650"
    "eu-west-3"      = "780235371811"
    "me-central-1"   = "858974508948"
    "me-south-1"     = "832021897121"
    "sa-east-1"      = "933737806257"
    "us-east-1"      = "177933569100"
    "us-east-2"      = "590474943231"
    "us-west-1"      = "997803712105"
    "us-west-2"      = "345057560386"
  }

  # Layer version per region and architecture (x86_64 is published
  # everywhere above; arm64 in fewer regions, some at an older version).
  parameters_secrets_extension_versions = {
    x86_64 = {
      "af-south-1"     = 4
      "ap-east-1"      = 4
      "ap-northeast-1" = 4
      "ap-northeast-2" = 4
      "ap-northeast-3" = 4
      "ap-south-1"     = 4
      "ap-south-2"     = 1
      "ap-southeast-1" = 4
      "ap-southeast-2" = 4
      "ap-southeast-3" = 4
      "ca-central-1"   = 4
      "eu-central-1"   = 4
      "eu-central-2"   = 1
      "eu-north-1"     = 4
      "eu-south-1"     = 4
      "eu-south-2"     = 1
      "eu-west-1"      = 4
      "eu-west-2"      = 4
      "eu-west-3"      = 4
      "me-central-1"   = 4
      "me-south-1"     = 4
      "sa-east-1"      = 4
      "us-east-1"      = 4
      "us-east-2"      = 4
      "us-west-1"      = 4
      "us-west-2"      = 4
    }
    arm64 = {
      "af-south-1"     = 1
      "ap-east-1"      = 1
      "ap-northeast-1" = 4
      "ap-northeast-2" = 1
      "ap-south-1"     = 4
      "ap-southeast-1" = 4
      "ap-southeast-2" = 4
      "ap-southeast-3" = 1
      "ca-central-1"   = 1
      "eu-central-1"   = 4
      "eu-north-1"     = 1
      "eu-south-1"     = 1
      "eu-west-1"      = 4
      "eu-west-2"      = 4
      "eu-west-3"      = 1
      "me-south-1"     = 1
      "sa-east-1"      = 1
      "us-east-1"      = 4
      "us-east-2"      = 4
      "us-west-1"      = 1
      "us-west-2"      = 4
    }
  }

  parameters_secrets_extension_names = {
    x86_64 = "AWS-Parameters-and-Secrets-Lambda-Extension"
    arm64  = "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64"
  }

  extension = var.parameters_secrets_extension
  extension_version = local.extension == null ? null : lookup(
    local.parameters_secrets_extension_versions[var.function.settings.architecture], local.extension.region, null
  )
  extension_layer_arns = local.extension_version == null ? [] : [
    "arn:aws:lambda:${local.extension.region}:${local.parameters_secrets_extension_accounts[local.extension.region]}:layer:${local.parameters_secrets_extension_names[var.function.settings.architecture]}:${local.extension_version}"
  ]

  # The extension's own settings (names from the AWS page above) and the
  # port the function's client reads (shop/extension.py).
  extension_environment = local.extension == null ? {} : {
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT     = tostring(local.extension.port)
    PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED = "true"
    SSM_PARAMETER_STORE_TTL                    = tostring(local.extension.parameter_ttl_s)
    SECRETS_MANAGER_TTL                        = tostring(local.extension.secret_ttl_s)
  }
}
