"""What every worker sets up first: the artifact's sys.path and Lambda's context.

Imported by the workers before they replace sys.path (this folder is its
first entry when a worker starts), so nothing here may import beyond the
standard library.
"""

import sys


def setup_path(spec: dict, *extra: str) -> None:
    """Put the unpacked artifact on sys.path as tests/support/lambda_layout.py's
    bootstrap does: function, layers, the runtime's boto3, then the standard library."""
    stdlib = [p for p in sys.path[1:] if "site-packages" not in p]
    sys.path[:] = [
        spec["task"],
        spec["opt"] + "/python",
        spec["opt"],
        spec["runtime"],
        *extra,
        *stdlib,
    ]


class Context:
    """The parts of Lambda's context object the handlers read."""

    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-api:dev"
    function_name = "shop-dev-api"
    function_version = "7"
    memory_limit_in_mb = 512

    def __init__(self, aws_request_id: str = "req-bench"):
        self.aws_request_id = aws_request_id

    def get_remaining_time_in_millis(self):
        return 10_000
