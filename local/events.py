"""REST API proxy events out of HTTP requests, and HTTP replies out of proxy results.

The event has the shape API Gateway (REST, `aws_proxy`) sends: `resource`,
`path`, `httpMethod`, single- and multi-value headers and query strings
(the single-value maps keep the last value), `pathParameters`,
`stageVariables`, `requestContext` (stage, request id, source IP, the API
key's identity) and a text body, base64 only when it is not UTF-8. A
result that is not a valid proxy result is an integration failure (502),
as in API Gateway.
"""

import base64
import binascii
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from local.contract import Route
from local.responses import Reply


@dataclass
class HttpRequest:
    method: str
    path: str  # without the query string, percent-decoded
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    port: int = 0
    declared_length: int = 0  # Content-Length, even when the body was too large to read
    raw_path: str | None = None  # the path as sent, percent-encoded (routing reads this)

    @property
    def routing_path(self) -> str:
        return self.raw_path if self.raw_path is not None else self.path

    def header(self, name: str) -> str | None:
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found

    def lower_headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers}

    def multi_query(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.query:
            result.setdefault(key, []).append(value)
        return result


@dataclass(frozen=True)
class Stage:
    """What requestContext says about the API and its stage."""

    name: str
    account_id: str
    api_id: str = "local"
    variables: dict = field(default_factory=dict)


class BadProxyResult(ValueError):
    """The function's answer is not a REST proxy result."""


def new_request_id() -> str:
    return str(uuid.uuid4())


def build_event(
    request: HttpRequest,
    route: Route,
    path_params: dict[str, str],
    stage: Stage,
    *,
    request_id: str,
    api_key: str | None = None,
    now: float | None = None,
) -> dict:
    """Return the proxy event API Gateway would send for `request` matched to `route`."""
    now = time.time() if now is None else now
    headers = list(request.headers)
    headers += [
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", str(request.port)),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{uuid.uuid4().hex[:24]}"),
    ]
    single, multi = {}, {}
    for key, value in headers:
        single[key] = value
        multi.setdefault(key, []).append(value)
    multi_query = request.multi_query()
    body, is_base64 = _body(request.body)
    host = request.header("host") or f"127.0.0.1:{request.port}"
    return {
        "resource": route.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": dict(stage.variables) or None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.resource).hex[:6],
            "resourcePath": route.resource,
            "httpMethod": request.method,
            "extendedRequestId": request_id.split("-")[0] + "=",
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{stage.name}{request.path}",
            "accountId": stage.account_id,
            "protocol": "HTTP/1.1",
            "stage": stage.name,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("user-agent"),
                "user": None,
                "apiKey": api_key,
                "apiKeyId": "local-admin-key" if api_key else None,
            },
            "domainName": host,
            "apiId": stage.api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def reply_from_result(result: object) -> Reply:
    """Return the HTTP reply for a proxy result; raise BadProxyResult if it is malformed."""
    if not isinstance(result, dict):
        raise BadProxyResult(f"expected an object, got {type(result).__name__}")
    status = result.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise BadProxyResult(f"statusCode must be an HTTP status, got {status!r}")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise BadProxyResult("headers and multiValueHeaders must be objects")
    for key, values in multi.items():
        headers += [(key, str(v)) for v in (values if isinstance(values, list) else [values])]
    seen = {k.lower() for k, _ in headers}
    headers += [(k, str(v)) for k, v in single.items() if k.lower() not in seen]
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise BadProxyResult("body must be a string")
    elif result.get("isBase64Encoded") is True:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadProxyResult("isBase64Encoded is true but body is not base64") from exc
    else:
        data = body.encode("utf-8")
    return Reply(status, headers, data)
