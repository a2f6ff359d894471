# CI and tests only: copied next to the root in a scratch directory, never
# into terraform/ itself. Plans keep their state (empty) on local disk, so
# workspaces work without the S3 bucket.
terraform {
  backend "local" {}
}
