"""The errors a request can end in, each with its HTTP status and code.

Services raise these; the HTTP layer turns them into
`{"error": {"code", "message", "request_id"}}`. Driver errors are wrapped
with `raise ... from exc` so the cause stays in the logs, never in a body.
"""


class ShopError(Exception):
    """Base of every error that maps to an HTTP answer.

    A subclass names its answer in its header, `class NotFound(ShopError,
    status=404, code="not_found")`; a subclass of a subclass keeps what it
    does not name.
    """

    status = 500
    code = "internal_error"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, message: str, *, field: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers or {}


class BadRequest(ShopError, status=400, code="bad_request"):
    """A body that cannot be read: not JSON, nested too deeply, bad base64, missing."""


class UnsupportedEvent(ShopError, status=400, code="unsupported_event"):
    """The api function was invoked with something that is not an API Gateway event."""


class NotFound(ShopError, status=404, code="not_found"):
    """No such product, order or route."""


class MethodNotAllowed(ShopError, status=405, code="method_not_allowed"):
    """The path exists, the method does not (the answer carries `Allow`)."""


class Conflict(ShopError, status=409, code="conflict"):
    """A taken SKU, a concurrent update, or an Idempotency-Key reused for another order."""


class OutOfStock(Conflict, code="out_of_stock"):
    """An order asks for more than a product has."""


class PreconditionFailed(ShopError, status=412, code="precondition_failed"):
    """An `If-Match` that is not the product's current ETag."""


class PayloadTooLarge(ShopError, status=413, code="payload_too_large"):
    """A body over the stage's `max_body_bytes`."""


class UnsupportedMediaType(ShopError, status=415, code="unsupported_media_type"):
    """A body whose Content-Type is not application/json."""


class ValidationFailed(ShopError, status=422, code="validation_error"):
    """A parameter or body field that breaks the contract; `field` names it."""


class ConfigError(ShopError, status=500, code="config_error"):
    """The function's alias or its config is unusable; nothing else runs."""


class ServiceUnavailable(ShopError, status=503, code="service_unavailable"):
    """The database is down, saturated or too slow; the client should retry."""

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
