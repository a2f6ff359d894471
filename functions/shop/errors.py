"""The errors a request can end in, each with its HTTP status and code.

Services raise these; the HTTP layer turns them into
`{"error": {"code", "message", "request_id"}}`. Driver errors are wrapped
with `raise ... from exc` so the cause stays in the logs, never in a body.
"""


class ShopError(Exception):
    """Base of every error that maps to an HTTP answer."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}


class BadRequest(ShopError):
    status, code = 400, "bad_request"


class UnsupportedEvent(ShopError):
    """The api function was invoked with something that is not an API Gateway event."""

    status, code = 400, "unsupported_event"


class NotFound(ShopError):
    status, code = 404, "not_found"


class MethodNotAllowed(ShopError):
    status, code = 405, "method_not_allowed"


class Conflict(ShopError):
    status, code = 409, "conflict"


class OutOfStock(Conflict):
    code = "out_of_stock"


class PreconditionFailed(ShopError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(ShopError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ShopError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(ShopError):
    status, code = 422, "validation_error"


class ConfigError(ShopError):
    """The function's alias or its config is unusable; nothing else runs."""

    status, code = 500, "config_error"


class ServiceUnavailable(ShopError):
    """The database is down, saturated or too slow; the client should retry."""

    status, code = 503, "service_unavailable"

    def __init__(self, message: str, *, retry_after: int = 2, cause: str = "database"):
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after
        self.cause = cause  # a short fixed name, the Cause dimension of the 503 metric


class NotificationError(Exception):
    """A send to SNS or SES failed; recorded in the outbox and retried later.

    `timed_out` says the service did not answer in time (it may be hanging).
    """

    def __init__(self, message: str, *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out
