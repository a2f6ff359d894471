terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: bucket and region come from `-backend-config`
  # (see docs/terraform.md), so one root serves every account. Each workspace
  # (= stage) gets its own state object under workspace_key_prefix.
  backend "s3" {
    key                  = "terraform.tfstate"
    workspace_key_prefix = "stages"
    encrypt              = true
    use_lockfile         = true
  }
}
