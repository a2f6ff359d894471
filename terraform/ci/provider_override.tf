# CI and tests only: copied next to the root in a scratch directory, never
# into terraform/ itself. With these settings and `plan -refresh=false
# -lock=false` the provider makes no AWS call, so a real plan runs offline.
provider "aws" {
  #checkov:skip=CKV_AWS_41: Fake keys that let the offline plan run without an account; with the skip_* settings and -refresh=false the provider never sends them anywhere.
  access_key                  = "AKIAOFFLINEPLANONLY0"
  secret_key                  = "offline-plan-only-not-a-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
