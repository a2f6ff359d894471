"""Deploy tooling: `make plan|deploy|destroy|rollback|logs ENV=<stage>`.

Drives Terraform through python-terraform and AWS through boto3, one
printed step at a time with its duration; any failure says what failed and
what to do next. It meets the Lambda code only through plain data: the
build manifest, the contract and Terraform's outputs.
"""
