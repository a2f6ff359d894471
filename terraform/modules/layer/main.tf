# Deleting an old layer version does not affect function versions that
# already use it (Lambda keeps their copy), so rollbacks do not need it.
resource "aws_lambda_layer_version" "this" {
  layer_name               = var.name
  filename                 = var.package.filename
  source_code_hash         = var.package.source_code_hash
  compatible_runtimes      = [var.package.runtime]
  compatible_architectures = [var.package.architecture]
}
