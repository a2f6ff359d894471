"""The api function's request cycle: event -> route -> operation -> response.

`Api` is built once per container (by `build_api`) and holds everything
heavy; `handle` does per-request work only. Every request ends in exactly
one JSON log line and in a JSON body: errors are
`{"error": {"code", "message", "request_id"}}` and no stack trace leaves
the process.
"""

import logging
import time
import uuid
from collections.abc import Callable

from shop import contract, logs, metrics, routes
from shop.config import alias_from_arn
from shop.errors import (
    ConfigError,
    OutOfStock,
    ServiceUnavailable,
    ShopError,
    UnsupportedEvent,
)
from shop.http import (
    NotAnApiEvent,
    Request,
    Response,
    cors_headers,
    error_body,
    parse_request,
    render,
)
from shop.router import Router
from shop.runtime import Runtime, build_runtime

log = logging.getLogger("shop.api")


class Api:
    def __init__(
        self,
        runtime: Runtime,
        router: Router,
        *,
        now: Callable = routes.utcnow,
        new_id: Callable[[], str] = routes.new_order_id,
        timer: Callable[[], float] = time.perf_counter,
    ):
        self.runtime = runtime
        self.router = router
        self._now = now
        self._new_id = new_id
        self._timer = timer
        self._ctx: routes.Context | None = None

    def handle(self, event: object, context: object, *, cold: bool = False) -> dict:
        """Answer one API Gateway proxy event; never raises.

        Every line logged meanwhile carries the invocation's ids; the request
        line carries the invocation's metrics (EMF, see shop.metrics).
        """
        lambda_request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
        token = logs.start_invocation(lambda_request_id, cold_start=cold)
        try:
            with metrics.recording(self.runtime.stage) as recorder:
                return self._handle(event, context, lambda_request_id, recorder)
        finally:
            logs.end_invocation(token)

    def _handle(self, event: object, context: object, lambda_request_id: str, recorder) -> dict:
        started = self._timer()
        arn = getattr(context, "invoked_function_arn", None)
        fields = {"alias": alias_from_arn(arn)}
        try:
            request = parse_request(event, fallback_request_id=lambda_request_id)
        except NotAnApiEvent as exc:
            log.error("not an API Gateway event", extra={**fields, "reason": str(exc)})
            error = UnsupportedEvent(f"unsupported event: {exc}")
            return render(Response(400, error_body(error, lambda_request_id)), {"Vary": "Origin"})
        except ShopError as exc:  # e.g. a body marked base64 that is not
            log.warning("unreadable request", extra={**fields, "reason": exc.message})
            error = Response(exc.status, error_body(exc, lambda_request_id))
            return render(error, {"Vary": "Origin"})
        fields["request_id"] = request.request_id
        fields["method"] = request.method
        fields["path"] = request.path
        response, headers = self._serve(request, arn, fields, _remaining(context))
        if log.isEnabledFor(logging.INFO):  # the stage's log level may be WARNING
            fields["status"] = response.status
            fields["duration_ms"] = round((self._timer() - started) * 1000, 2)
            log.info("request", extra={**fields, "emf": recorder.emf()})
        return render(response, headers)

    def _serve(
        self, request: Request, arn: str | None, fields: dict, remaining_s: Callable
    ) -> tuple[Response, dict]:
        """Return the response and its CORS headers; every failure becomes an error response."""
        config, cors = None, {"Vary": "Origin"}
        try:
            fields["stage"] = self.runtime.config_loader.stage_for(arn)
            config = self.runtime.config_loader.get(fields["stage"])
            logs.set_level(config.log_level)
            cors = cors_headers(request.headers.get("origin"), config.cors_allowed_origins)
            op = self.router.match(request)
            fields["route"] = op.operation_id
            self.router.bind(op, request, max_body_bytes=config.max_body_bytes)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("routed", extra={**fields, "params": request.params})
            ctx = self._context(config)
            ctx.remaining_s = remaining_s  # this invocation's clock
            return self.router.handlers[op.operation_id](request, ctx), cors
        except ShopError as exc:
            return self._error_response(exc, request.request_id, config, fields), cors
        except Exception:
            log.exception("unhandled error", extra=fields)
            error = ShopError("internal error; the request id identifies it in the logs")
            return Response(500, error_body(error, request.request_id)), cors

    def _context(self, config) -> routes.Context:
        """Return the per-request Context, rebuilt only when the config or database changed."""
        db, ctx = self.runtime.database, self._ctx
        if ctx is None or ctx.config is not config or ctx.db is not db:
            ctx = self._ctx = routes.Context(
                config=config,
                db=db,
                notifier=self.runtime.notifier,
                now=self._now,
                new_id=self._new_id,
                send_budget=self.runtime.send_budget,
            )
        return ctx

    def _error_response(self, exc: ShopError, request_id: str, config, fields: dict) -> Response:
        headers = dict(exc.headers)
        if isinstance(exc, ServiceUnavailable) and config is not None:
            headers["Retry-After"] = str(config.retry_after_seconds)
        if isinstance(exc, ServiceUnavailable):
            metrics.put("ServiceUnavailable", 1, by=exc.cause)
        elif isinstance(exc, OutOfStock):
            metrics.put("OutOfStockRefusals", 1)
        if isinstance(exc, ConfigError | ServiceUnavailable):
            cause = repr(exc.__cause__) if exc.__cause__ else None
            log.error(exc.message, extra={**fields, "code": exc.code, "cause": cause})
        else:
            fields["error_code"] = exc.code
        if isinstance(exc, ConfigError):
            # Its message names the function ARN (the account id), the aliases served
            # and parameter names: for the logs above, not for an anonymous caller.
            exc = ConfigError("the function is not configured for this stage; see its logs")
        return Response(exc.status, error_body(exc, request_id), headers)


def _remaining(context: object) -> Callable[[], float | None]:
    """Return the seconds left to spend before answering (1 s is kept for the answer)."""
    read = getattr(context, "get_remaining_time_in_millis", None)
    if read is None:
        return lambda: None
    return lambda: read() / 1000 - 1.0


def build_api(env=None, *, session=None, runtime: Runtime | None = None, **kwargs) -> Api:
    """Return the container's Api: runtime (clients, engine, config loader) and router."""
    runtime = runtime or build_runtime(env, session=session)
    router = Router(contract.load_document(), routes.HANDLERS)
    return Api(runtime, router, **kwargs)
