# The contract as API Gateway's REST import takes it. The import supports
# most of OpenAPI 3.0 with documented exceptions
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis);
# what it ignores is not enforced and what it warns about fails an import with
# failonwarnings. The contract keeps full OpenAPI for the handler, the local
# gateway and the docs; this rendering leaves out what the import would not
# take, so the gateway enforces exactly what the body says:
# - responses and headers given as $ref are inlined, so the preflight's
#   Access-Control-* mappings name headers its method response declares;
# - parameters are inlined and keep only name, in, required, description and
#   the schema's type (the import ignores the rest; the handler validates);
# - models lose keywords outside JSON Schema draft 4 as the gateway reads it
#   (example, nullable, additionalProperties, readOnly, deprecated), at the
#   depth the contract uses them: a model's top level, its properties and
#   its items.
# tests/infra/test_plan_contract_import.py checks the rendered body rule by
# rule, at any depth.
locals {
  model_keywords_dropped = ["additionalProperties", "example", "nullable", "readOnly", "deprecated"]
  parameter_keys_kept    = ["name", "in", "required", "description"]

  component_parameters = try(local.document.components.parameters, {})
  component_responses  = try(local.document.components.responses, {})
  component_headers    = try(local.document.components.headers, {})
  # The schema of each parameter given as $ref, by its reference.
  parameter_schemas = {
    for name, p in local.component_parameters : "#/components/parameters/${name}" => try(
      local.document.components.schemas[element(split("/", p.schema["$ref"]), 3)], p.schema
    )
  }

  # One level of a schema without the dropped keywords; anything that is not
  # an object (a $ref string, a list) stays as it is.
  gateway_models = {
    for name, schema in try(local.document.components.schemas, {}) : name => merge(
      { for k, v in schema : k => v if !contains(local.model_keywords_dropped, k) },
      try({ properties = {
        for p, s in schema.properties : p => { for k, v in s : k => v if !contains(local.model_keywords_dropped, k) }
      } }, {}),
      try({ items = { for k, v in schema.items : k => v if !contains(local.model_keywords_dropped, k) } }, {}),
    )
  }

  gateway_paths = {
    for path, item in local.document.paths : path => {
      for method, op in item : method => merge(
        { for k, v in op : k => v if !contains(["parameters", "responses"], k) },
        {
          for key, parameters in { parameters = [
            for p in concat(try(item.parameters, []), try(op.parameters, [])) : merge(
              { for k, v in try(local.component_parameters[element(split("/", p["$ref"]), 3)], p) : k => v if contains(local.parameter_keys_kept, k) },
              { schema = { type = try(local.parameter_schemas[p["$ref"]].type, p.schema.type, local.document.components.schemas[element(split("/", p.schema["$ref"]), 3)].type) } },
            )
          ] } : key => parameters if length(parameters) > 0
        },
        try({ responses = {
          for code, response in op.responses : code => merge(
            try(local.component_responses[element(split("/", response["$ref"]), 3)], response),
            try({ headers = {
              for name, header in try(local.component_responses[element(split("/", response["$ref"]), 3)], response).headers :
              name => try(local.component_headers[element(split("/", header["$ref"]), 3)], header)
            } }, {}),
          )
        } }, {}),
      ) if contains(local.http_methods, method)
    }
  }

  gateway_document = merge(local.document, {
    paths = local.gateway_paths
    # Responses, headers and parameters live inline now; only the models stay.
    components = merge(
      { for k, v in try(local.document.components, {}) : k => v if !contains(["responses", "headers", "parameters", "schemas"], k) },
      { schemas = local.gateway_models },
    )
  })
}
