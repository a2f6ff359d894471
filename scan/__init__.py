"""Security scans of the Terraform plans: checkov and trivy, each from its own venv.

`python -m scan.run` (or `make scan`) plans every stage offline, scans the
plans and the sources, and fails on any finding that is neither fixed nor
suppressed inline with a reason (docs/infra-verification.md). This package
only reads Terraform and the tools' JSON; it never changes terraform/.
"""
