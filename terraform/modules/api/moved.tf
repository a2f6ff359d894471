# The stage defaults (all) and the per-method cache overrides (cached) were
# two resources before they became one map: state follows them here, nothing
# is replaced.

moved {
  from = aws_api_gateway_method_settings.all
  to   = aws_api_gateway_method_settings.this["*/*"]
}

moved {
  from = aws_api_gateway_method_settings.cached
  to   = aws_api_gateway_method_settings.this
}
