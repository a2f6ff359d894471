locals {
  contract = yamldecode(file(var.contract_path))
  # x-shop-integrations only holds the YAML anchors; yamldecode has already
  # inlined them where they are used.
  document = { for key, value in local.contract : key => value if key != "x-shop-integrations" }

  http_methods = ["get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"]

  # One entry per operation, keyed "METHOD /path", with parameters resolved
  # through components/parameters so cache keys can be checked against them.
  operations = merge([
    for path, item in local.contract.paths : {
      for method, op in item : "${method == "x-amazon-apigateway-any-method" ? "ANY" : upper(method)} ${path}" => {
        path             = path
        method           = method == "x-amazon-apigateway-any-method" ? "*" : upper(method)
        integration_type = try(op["x-amazon-apigateway-integration"].type, "none")
        cached           = try(op["x-shop-cache"], false)
        cache_key        = try(tolist(op["x-amazon-apigateway-integration"].cacheKeyParameters), tolist([]))
        parameters = [
          for p in concat(try(item.parameters, []), try(op.parameters, [])) : {
            name = try(local.contract.components.parameters[element(split("/", p["$ref"]), 3)].name, p.name)
            in   = try(local.contract.components.parameters[element(split("/", p["$ref"]), 3)].in, p.in)
          }
        ]
      } if contains(local.http_methods, method)
    }
  ]...)

  proxy_routes = {
    for key, op in local.operations : key => merge(op, {
      # API Gateway matches a path parameter as one "*" in the execute-api ARN.
      source_suffix = "${op.method}${replace(op.path, "/\\{[^}]+\\}/", "*")}"
    }) if op.integration_type == "aws_proxy"
  }

  cached_routes = { for key, op in local.operations : key => op if op.cached }

  # Every query and path parameter changes the answer, and so does Origin
  # where it is declared (the response echoes it in CORS headers).
  cache_key_gaps = {
    for key, op in local.cached_routes : key => [
      for p in op.parameters : "method.request.${p.in == "query" ? "querystring" : p.in}.${p.name}"
      if(contains(["query", "path"], p.in) || (p.in == "header" && lower(p.name) == "origin"))
      && !contains(op.cache_key, "method.request.${p.in == "query" ? "querystring" : p.in}.${p.name}")
    ]
  }
  cache_key_problems = concat(
    [for key, gaps in local.cache_key_gaps : "${key} is cached but its cacheKeyParameters miss ${join(", ", gaps)}" if length(gaps) > 0],
    [for key, op in local.cached_routes : "${key} has x-shop-cache: true but only GET methods may be cached" if op.method != "GET"],
  )

  # The storefront first: gateway error responses name the primary origin.
  origins = distinct(concat([var.site_origin], var.cors_origins))

  placeholders = {
    "{{region}}"               = var.region
    "{{cors_allowed_origins}}" = join(",", local.origins)
    "{{cors_primary_origin}}"  = local.origins[0]
    "{{cors_allow_methods}}"   = join(",", var.settings.cors.allow_methods)
    "{{cors_allow_headers}}"   = join(",", var.settings.cors.allow_headers)
    "{{cors_max_age}}"         = tostring(var.settings.cors.max_age_seconds)
  }
  # Every {{token}} in the contract must be one Terraform fills; checked on
  # the tokens themselves, so the check never waits for values known only
  # after apply (the function ARN, the storefront's domain).
  contract_tokens       = distinct(flatten(regexall("\\{\\{[^}]*\\}\\}", jsonencode(local.document))))
  leftover_placeholders = setsubtract(local.contract_tokens, concat(keys(local.placeholders), ["{{api_function_arn}}"]))
  body = replace(replace(replace(replace(replace(replace(replace(
    jsonencode(local.gateway_document),
    "{{region}}", local.placeholders["{{region}}"]),
    "{{cors_allowed_origins}}", local.placeholders["{{cors_allowed_origins}}"]),
    "{{cors_primary_origin}}", local.placeholders["{{cors_primary_origin}}"]),
    "{{cors_allow_methods}}", local.placeholders["{{cors_allow_methods}}"]),
    "{{cors_allow_headers}}", local.placeholders["{{cors_allow_headers}}"]),
    "{{cors_max_age}}", local.placeholders["{{cors_max_age}}"]),
  "{{api_function_arn}}", var.function_arn)

  # The provider passes method_path verbatim into UpdateStage's patch paths
  # (/<method_path>/caching/enabled), which are JSON Pointers: every "/" of
  # the resource path is escaped as "~1", so GET /v1/products/{id} is
  # "~1v1~1products~1{id}/GET", the key GetStage's methodSettings returns.
  # Unescaped ("v1/products/GET") AWS refuses the path or the provider finds
  # no such key when it reads back ("empty result"), and the cache is off.
  # https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
  # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-stage-methodsetting.html
  # https://github.com/hashicorp/terraform-provider-aws/issues/9738
  # https://github.com/hashicorp/terraform-provider-aws/issues/37959
  method_paths = {
    for key, op in local.cached_routes : key => "${replace(op.path, "/", "~1")}/${op.method}"
  }
  # A method path is */* or <escaped resource path>/<METHOD>: one "/", the
  # one before the method.
  unescaped_method_paths = [
    for key, path in local.method_paths : "${key} as ${path}"
    if path != "*/*" && !can(regex("^(~1[^/]*)+/([A-Z]+|\\*)$", path))
  ]

  # The stage defaults (key */*) and one override per cached route (its
  # route key), each with the method path it applies to.
  method_settings_paths = merge(
    { "*/*" = "*/*" },
    var.settings.cache.enabled ? local.method_paths : {},
  )

  method_settings = {
    metrics_enabled        = var.settings.metrics_enabled
    logging_level          = var.settings.logging_level
    throttling_rate_limit  = var.settings.throttle.rate_limit
    throttling_burst_limit = var.settings.throttle.burst_limit
  }
}

resource "aws_api_gateway_rest_api" "this" {
  #checkov:skip=CKV_AWS_237: Every argument is updated in place (the body through put_rest_api_mode = "overwrite"); a replacement gets a new ID and URL anyway, and create_before_destroy would be forced onto the api function the body names, whose fixed name cannot exist twice.
  name              = "${var.name}-api"
  description       = "Products-and-orders API (${var.stage}), imported from api/openapi.yaml"
  body              = local.body
  put_rest_api_mode = "overwrite"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    precondition {
      condition     = length(local.leftover_placeholders) == 0
      error_message = "The contract still has unfilled placeholders after rendering: ${join(", ", sort(local.leftover_placeholders))}. Terraform fills {{api_function_arn}} and ${join(", ", keys(local.placeholders))}; use only these in api/openapi.yaml."
    }

    precondition {
      condition     = length(local.unescaped_method_paths) == 0
      error_message = "Per-method settings would never apply: ${join("; ", local.unescaped_method_paths)}. AWS reads a method path as <resource path with every \"/\" written ~1>/<METHOD>, e.g. ~1v1~1products~1{id}/GET for GET /v1/products/{id} (or */* for every method); build it with replace(path, \"/\", \"~1\")."
    }

    precondition {
      condition     = length(local.cache_key_problems) == 0
      error_message = "Cached methods would serve one caller's answer to another: ${join("; ", local.cache_key_problems)}. Fix x-amazon-apigateway-integration.cacheKeyParameters (or x-shop-cache) in api/openapi.yaml."
    }
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  triggers = {
    body = sha256(local.body)
  }

  lifecycle {
    create_before_destroy = true
  }
}

#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is api.access_log_retention_days, set per stage (7, 14, 90 days); a year of access logs is cost without a reader.
  name              = "/aws/apigateway/${var.name}-api/access"
  retention_in_days = var.settings.access_log_retention_days
}

# API Gateway writes execution logs into a group it creates on first use,
# without retention; declaring it first keeps its retention under Terraform.
#trivy:ignore:AVD-AWS-0017 CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
resource "aws_cloudwatch_log_group" "execution" {
  #checkov:skip=CKV_AWS_158: CloudWatch Logs already encrypts every log group at rest; a customer-managed key would need a key policy naming the account (the offline plan never looks it up) and protects nothing more, as no secret is logged.
  #checkov:skip=CKV_AWS_338: Retention is api.access_log_retention_days, set per stage (7, 14, 90 days); a year of execution logs is cost without a reader.
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage}"
  retention_in_days = var.settings.access_log_retention_days
}

#trivy:ignore:AVD-AWS-0003 X-Ray is the per-stage switch api.xray_tracing: on in prod, off in dev and qa where traces are not worth their cost.
resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_73: X-Ray is the per-stage switch api.xray_tracing: on in prod, off in dev and qa where traces are not worth their cost.
  #checkov:skip=CKV_AWS_120: The cache cluster is the per-stage switch api.cache.enabled: off in dev (it bills by the hour), on in qa and prod.
  #checkov:skip=CKV2_AWS_29: No web ACL: the stage is throttled (api.throttle) and admin writes need a key in a usage plan with a quota; a WAF per stage (about 5 USD a month plus rules and requests) is not in the design yet.
  #checkov:skip=CKV2_AWS_51: A client certificate authenticates API Gateway to an HTTP backend; every integration here is Lambda proxy or mock, where it is never presented.
  rest_api_id   = aws_api_gateway_rest_api.this.id
  deployment_id = aws_api_gateway_deployment.this.id
  stage_name    = var.stage
  description   = "Invokes the ${var.function.alias_name} alias"

  # The contract's integration URI appends :${stageVariables.alias}, so this
  # stage invokes the alias of the same name and never $LATEST.
  variables = {
    alias = var.function.alias_name
  }

  cache_cluster_enabled = var.settings.cache.enabled
  cache_cluster_size    = var.settings.cache.enabled ? var.settings.cache.size_gb : null
  xray_tracing_enabled  = var.settings.xray_tracing

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      apiKeyId           = "$context.identity.apiKeyId"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integration.status"
      errorType          = "$context.error.responseType"
      errorMessage       = "$context.error.message"
    })
  }

  # The execution log group must exist before the stage logs anything. The
  # account's logging role (API Gateway refuses access logging without it) is
  # set once per account by terraform/bootstrap/, never by a stage.
  depends_on = [aws_cloudwatch_log_group.execution]
}

#trivy:ignore:AVD-AWS-0190 Stage defaults for every method (*/*) are never cached: caching is switched on per method only for the GETs the contract marks x-shop-cache; caching */* would cache writes and personal orders.
resource "aws_api_gateway_method_settings" "this" {
  #checkov:skip=CKV_AWS_225: Stage defaults for every method (*/*) are never cached: caching is switched on per method only for the GETs the contract marks x-shop-cache, each with its full cache key; caching */* would cache writes and personal orders.
  for_each = local.method_settings_paths

  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = each.value

  # A method override replaces the stage defaults for that method, so it
  # repeats them next to the cache settings.
  settings {
    metrics_enabled                            = local.method_settings.metrics_enabled
    logging_level                              = local.method_settings.logging_level
    data_trace_enabled                         = false
    throttling_rate_limit                      = local.method_settings.throttling_rate_limit
    throttling_burst_limit                     = local.method_settings.throttling_burst_limit
    caching_enabled                            = each.key != "*/*"
    cache_ttl_in_seconds                       = each.key != "*/*" ? var.settings.cache.ttl_seconds : null
    cache_data_encrypted                       = each.key != "*/*" ? true : null
    require_authorization_for_cache_control    = each.key != "*/*" ? true : null
    unauthorized_cache_control_header_strategy = each.key != "*/*" ? "SUCCEED_WITH_RESPONSE_HEADER" : null
  }
}

# One permission per route on the stage's alias: API Gateway may call the
# alias only for that method and path of this stage.
resource "aws_lambda_permission" "route" {
  for_each = local.proxy_routes

  statement_id  = "apigw-${lower(replace(each.value.method, "*", "any"))}-${trim(replace(lower(each.value.path), "/[^a-z0-9]+/", "-"), "-")}"
  action        = "lambda:InvokeFunction"
  function_name = var.function.name
  qualifier     = var.function.alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage}/${each.value.source_suffix}"

  lifecycle {
    precondition {
      condition     = each.value.method != "*" && !strcontains("/${var.stage}/${each.value.source_suffix}", "/*/*")
      error_message = "Route ${each.key} would grant API Gateway <execution_arn>/${var.stage}/${each.value.source_suffix}, a wildcard over methods or whole paths. Declare each method and path in api/openapi.yaml instead of x-amazon-apigateway-any-method or a bare {proxy+}."
    }
  }
}

resource "aws_api_gateway_usage_plan" "admin" {
  name        = "${var.name}-admin"
  description = "Callers of the admin routes (x-api-key)"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.settings.admin_usage_plan.rate_limit
    burst_limit = var.settings.admin_usage_plan.burst_limit
  }

  quota_settings {
    limit  = var.settings.admin_usage_plan.quota_per_day
    period = "DAY"
  }
}

resource "aws_api_gateway_api_key" "admin" {
  name        = "${var.name}-admin"
  description = "Admin key for ${var.stage}"
  enabled     = true
}

resource "aws_api_gateway_usage_plan_key" "admin" {
  key_id        = aws_api_gateway_api_key.admin.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.admin.id
}
