# Rehearsal only: moto's OpenAPI import needs a uri and httpMethod on every
# integration, which API Gateway does not want on a mock (the CORS
# preflight). The mocks get a dummy one; everything else is the real body.
locals {
  document = merge(
    { for key, value in local.contract : key => value if !contains(["x-shop-integrations", "paths"], key) },
    {
      paths = {
        for path, item in local.contract.paths : path => {
          for method, op in item : method => merge(op, {
            for key, integration in { "x-amazon-apigateway-integration" = try(op["x-amazon-apigateway-integration"], null) } :
            key => merge(integration, { uri = "http://rehearsal.invalid/mock", httpMethod = "POST" })
            if try(integration.type, "") == "mock"
          })
        }
      }
    },
  )
}
