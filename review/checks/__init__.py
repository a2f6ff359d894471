"""The checks, registered in review.model.REGISTRY in the order they are reported.

Import order is report order (the issue's order): API, invocation, network,
database, logs, then what belongs to the account and not to a stage.
"""
# ruff: noqa: I001

from review.checks import api  # noqa: F401
from review.checks import functions  # noqa: F401
from review.checks import network  # noqa: F401
from review.checks import database  # noqa: F401
from review.checks import logs  # noqa: F401
from review.checks import account  # noqa: F401
