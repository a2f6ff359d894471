# CI and tests only: copied next to the root in a scratch directory, never
# into terraform/ itself. With these settings and `plan -refresh=false
# -lock=false` the provider makes no AWS call, so a real plan runs offline.
provider "aws" {
  access_key                  = "AKIAOFFLINEPLANONLY0"
  secret_key                  = "offline-plan-only-not-a-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
