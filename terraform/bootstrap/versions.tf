terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Its own state object in the bucket it creates, beside the stages'
  # (stages/<stage>/...). The first run, before the bucket exists, keeps the
  # state locally and `make bootstrap` then moves it here (docs/terraform.md).
  backend "s3" {
    key          = "bootstrap/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
