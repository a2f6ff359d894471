data "aws_iam_policy_document" "proxy_assume" {
  count = var.database.enable_proxy ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["rds.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "proxy" {
  count = var.database.enable_proxy ? 1 : 0

  # Both secrets are encrypted with the AWS-managed aws/secretsmanager key,
  # whose key policy lets any principal of the account decrypt through
  # Secrets Manager: no kms:Decrypt statement is needed. A customer-managed
  # key on either secret would need one here, conditioned on kms:ViaService.
  statement {
    sid       = "ReadMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_db_instance.this.master_user_secret[0].secret_arn]
  }

  statement {
    sid       = "ReadAppSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.app.arn]
  }
}

resource "aws_iam_role" "proxy" {
  count = var.database.enable_proxy ? 1 : 0

  name               = "${var.name}-db-proxy"
  assume_role_policy = data.aws_iam_policy_document.proxy_assume[0].json
}

resource "aws_iam_role_policy" "proxy" {
  count = var.database.enable_proxy ? 1 : 0

  name   = "read-login-secrets"
  role   = aws_iam_role.proxy[0].id
  policy = data.aws_iam_policy_document.proxy[0].json
}
