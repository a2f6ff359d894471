"""API Gateway REST proxy events in, proxy results out.

`parse_request` checks the event's shape (a non-API-Gateway event gets a
clear error, not a crash), enforces the body limit and the JSON media type,
and decodes JSON with decimals, never floats. `render` shapes the answer,
including CORS: `Access-Control-Allow-Origin` only echoes an allowlisted
`Origin`, always with `Vary: Origin` so caches keep origins apart.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import c_make_encoder as _c_make_encoder
from json.encoder import encode_basestring as _encode_string

from shop.errors import BadRequest, PayloadTooLarge, ShopError, UnsupportedMediaType

EXPOSED_HEADERS = "ETag,Location,Retry-After"
# One encoder for every answer: json.dumps with non-default arguments builds
# a new JSONEncoder on each call, and JSONEncoder.encode builds a new C
# encoder on each call too. The C encoder is made once here instead, without
# the circular-reference bookkeeping (a body is a fresh tree of dicts, lists
# and scalars built per request); a type JSON cannot encode still raises
# TypeError, as JSONEncoder.default does.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
if _c_make_encoder is None:  # an interpreter without the json accelerator
    _encode = _encoder.encode
else:
    _chunks = _c_make_encoder(
        None, _encoder.default, _encode_string, None, ":", ",", False, False, True
    )

    def _encode(value: object) -> str:
        return "".join(_chunks(value, 0))


class NotAnApiEvent(Exception):
    """The event is not an API Gateway REST proxy event."""


@dataclass
class Request:
    method: str
    path: str
    resource: str | None
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    path_params: dict[str, str]
    raw_body: bytes | None
    request_id: str
    body: object = None
    params: dict = field(default_factory=dict)  # validated, typed parameters

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: object = None  # dict/list -> JSON; None -> empty
    headers: dict[str, str] = field(default_factory=dict)


def parse_request(event: object, *, fallback_request_id: str) -> Request:
    """Return the Request in `event`; raise NotAnApiEvent if it is not a REST proxy event."""
    if not isinstance(event, dict):
        raise NotAnApiEvent(
            f"expected an API Gateway proxy event (object), got {type(event).__name__}"
        )
    method = event.get("httpMethod")
    path = event.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise NotAnApiEvent("expected an API Gateway proxy event with httpMethod and path")
    context = event.get("requestContext")
    request_id = context.get("requestId") if isinstance(context, dict) else None
    resource = event.get("resource")
    query = event.get("queryStringParameters")
    path_params = event.get("pathParameters")
    body = event.get("body")
    # Positional, and no call for what is absent (a GET has no query string or
    # body, most routes no path parameter): this runs on every request.
    return Request(
        method.upper(),
        path,
        resource if isinstance(resource, str) else None,
        _header_map(event.get("headers")),
        {} if query is None else _string_map(query, "queryStringParameters"),
        {} if path_params is None else _string_map(path_params, "pathParameters"),
        None if body is None or body == "" else _raw_body(body, event),
        str(request_id or fallback_request_id),
    )


def _string_map(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise NotAnApiEvent(f"{name} must be an object or null")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _header_map(value: object) -> dict[str, str]:
    # One pass, lower-casing as it copies: ~20 headers on every request. API
    # Gateway sends string keys and values; anything else takes the slow path.
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NotAnApiEvent("headers must be an object or null")
    # A container sees the same few dozen names on every request: their
    # lower-case forms come from a bounded table instead of str.lower().
    try:
        headers = {_LOWER[k]: v for k, v in value.items() if v.__class__ is str}
    except KeyError:  # a name not in the table yet
        headers = _lower_names(value)
    if headers is None or len(headers) != len(value):
        return {str(k).lower(): str(v) for k, v in value.items() if v is not None}
    return headers


_LOWER: dict[str, str] = {}


def _lower_names(value: dict) -> dict[str, str] | None:
    try:
        headers = {k.lower(): v for k, v in value.items() if v.__class__ is str}
    except AttributeError:  # a name that is not a string
        return None
    if len(_LOWER) < 256:
        for name in value:
            if name.__class__ is str:
                _LOWER[name] = name.lower()
    return headers


def _raw_body(body: object, event: dict) -> bytes:
    """The bytes of `event`'s `body` (a non-empty one: parse_request passes on no body)."""
    if not isinstance(body, str):
        raise NotAnApiEvent("body must be a string or null")
    if event.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("the body is marked base64 but is not valid base64") from exc
    return body.encode("utf-8", "surrogatepass")


def decode_json_body(request: Request, *, max_bytes: int) -> object:
    """Return the JSON body; raise 413 over the limit, 415 if not JSON, 400 if malformed."""
    raw = request.raw_body
    if raw is None:
        raise BadRequest("a JSON body is required")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; the limit is {max_bytes} bytes")
    media_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        shown = media_type or "none"
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {shown}")
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # e.g. 30,000 nested arrays, well under the size limit
        raise BadRequest("the body is not valid JSON: nested too deeply") from exc


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def cors_headers(origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """Return the CORS headers for a response to a request from `origin`."""
    headers = {"Vary": "Origin"}
    if "*" in allowed:
        headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
    else:
        return headers
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return headers


def error_body(error: ShopError, request_id: str) -> dict:
    """Return the error document every failure answers with."""
    body = {"code": error.code, "message": error.message, "request_id": request_id}
    if error.field:
        body["field"] = error.field
    return {"error": body}


def render(response: Response, extra_headers: dict[str, str]) -> dict:
    """Return the proxy result for `response`, JSON-encoded, with `extra_headers` added."""
    headers = {**response.headers, **extra_headers}
    body = ""
    if response.body is not None:
        body = _encode(response.body)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
    return {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": False,
    }
