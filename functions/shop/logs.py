"""One JSON object per log line, in the shape Lambda's JSON log format and
Powertools users expect, with no personal data in it.

Every line has `timestamp`, `level`, `message`, `service`, `logger`, and
inside an invocation `function_request_id`, `cold_start` and (when Lambda
traces the request) `xray_trace_id`: the keys Powertools Logger writes, so
CloudWatch Logs Insights queries written for Powertools work unchanged.
Lambda's JSON log format passes a line that is already a JSON object
through as it is (terraform/modules/function sets it).

Redaction is the formatter's last word, whatever a caller put in a message,
an extra field or an exception: e-mail addresses become `<email>` and every
registered secret (`redact`) becomes `<secret>`. Metrics ride on the same
lines in Embedded Metric Format (`emf=`, see shop.metrics).

Written on the standard library rather than Powertools Logger: importing it
costs about 35 ms of every cold start (python -X importtime) for some
eighty lines of code.
"""

import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import time

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Bounded parts (a local part has at most 64 characters, a label 63) keep the
# search linear: an unbounded one is quadratic on a long text without "@".
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"
)
_secrets: set[str] = set()
# Each secret as it appears inside a JSON string (see JsonFormatter.format).
_encoded_secrets: set[str] = set()
_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode
_invocation: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "shop_invocation", default=None
)


def redact(value: str | None) -> None:
    """Never let `value` (a password, a token) appear in a log line from now on."""
    if value and len(value) >= 4:
        _secrets.add(value)
        _encoded_secrets.add(json.dumps(value, ensure_ascii=False)[1:-1])


def scrub(text: str) -> str:
    """Return `text` with e-mail addresses and registered secrets replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "<secret>")
    return EMAIL.sub("<email>", text) if "@" in text else text


def _scrubbed(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def start_invocation(request_id: str, *, cold_start: bool) -> contextvars.Token:
    """Tag every line logged until `end_invocation` with this invocation's ids."""
    return _invocation.set({"function_request_id": request_id, "cold_start": cold_start})


def end_invocation(token: contextvars.Token) -> None:
    _invocation.reset(token)


@contextlib.contextmanager
def invocation(context, *, cold: bool):
    """Log one invocation of a scheduled or deploy-time function: on a cold start
    configure logging (at SHOP_LOG_LEVEL) first, then tag every line logged inside
    with the invocation's ids ("local" when there is no Lambda context)."""
    if cold:
        configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
    token = start_invocation(getattr(context, "aws_request_id", None) or "local", cold_start=cold)
    try:
        yield
    finally:
        end_invocation(token)


def xray_trace_id() -> str | None:
    """Return the Root of Lambda's trace header (`_X_AMZN_TRACE_ID`), as Powertools does."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    for part in header.split(";"):
        key, _, value = part.partition("=")
        if key.strip() == "Root" and value:
            return value
    return None


def service_name() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or os.environ.get(
        "AWS_LAMBDA_FUNCTION_NAME", "shop"
    )


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str | None = None):
        super().__init__()
        self.service = service or service_name()
        # (second, its timestamp without the milliseconds), replaced whole: threads share it
        self._stamp: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        second, stamp = self._stamp
        if second != int(record.created):
            second = int(record.created)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._stamp = (second, stamp)
        line = {
            "timestamp": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "service": self.service,
            "logger": record.name,
        }
        line.update(_invocation.get() or {})
        trace = xray_trace_id()
        if trace:
            line["xray_trace_id"] = trace
        emf = None
        for key, value in vars(record).items():
            if key == "emf":
                emf = value
            elif key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # EMF members (numbers and fixed names only, shop.metrics) are added after
        # redaction. JSON escapes a string one character at a time, so a secret or
        # an "@" anywhere in `line` shows in its encoding: a line with neither (a
        # request line, almost always) has nothing to redact and is written as is.
        text = _encode({**line, **emf} if emf else line)
        if "@" in text or any(secret in text for secret in _encoded_secrets):
            line = _scrubbed(line)
            text = _encode({**line, **emf} if emf else line)
        return text


def configure(level: str = "INFO", stream=None) -> None:
    """Send every log record to `stream` (stdout) as JSON, at `level`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # No line carries the caller's file and line, the thread, the process or the
    # asyncio task: the logging HOWTO's "Optimization" switches spare every
    # record the work of collecting them.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.logAsyncioTasks = False
    # botocore logs request bodies at DEBUG; keep it quiet whatever our level.
    logging.getLogger("botocore").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def set_level(level: str) -> None:
    """Apply the stage's log level (it may change between requests)."""
    root = logging.root
    if root.level != _LEVELS.get(level):
        root.setLevel(level)


_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
