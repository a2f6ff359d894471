# The account's one-time settings (make bootstrap). Replace the account, the
# bucket name and the repository with yours; docs/terraform.md, "Bootstrap".
account_id   = "123456789012"
region       = "eu-west-1"
state_bucket = "shop-terraform-state-123456789012"

github = {
  repository = "example-org/shop"
}
