"""HTTP replies, and the errors the gateway itself answers with.

API Gateway answers some requests without calling the function (no such
route, no API key, an invalid body, throttled, timed out). Their shape is
the contract's `x-amazon-apigateway-gateway-responses`: the most specific
response type declared (e.g. INVALID_API_KEY), else DEFAULT_4XX or
DEFAULT_5XX, with its headers and its JSON template. Without one, API
Gateway's built-in `{"message": "..."}` body is used.
"""

import json
import re
from dataclasses import dataclass, field

JSON = "application/json"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


def json_reply(status: int, body, headers: list[tuple[str, str]] | None = None) -> Reply:
    data = json.dumps(body, indent=1).encode()
    return Reply(status, [("Content-Type", JSON), *(headers or [])], data)


# (response type, status, message) of each error the local gateway raises.
MISSING_ROUTE = ("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token")
INVALID_API_KEY = ("INVALID_API_KEY", 403, "Forbidden")
BAD_BODY = ("BAD_REQUEST_BODY", 400, "Invalid request body")
TOO_LARGE = ("REQUEST_TOO_LARGE", 413, "Request Too Long")
THROTTLED = ("THROTTLED", 429, "Too Many Requests")
TIMEOUT = ("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out")
FUNCTION_ERROR = ("INTEGRATION_FAILURE", 502, "Internal server error")


def missing_params(names: list[str]) -> tuple[str, int, str]:
    return (
        "BAD_REQUEST_PARAMETERS",
        400,
        f"Missing required request parameters: [{', '.join(names)}]",
    )


def gateway_error(responses: dict, kind: tuple[str, int, str], request_id: str) -> Reply:
    """Return the gateway response of `kind` as the contract declares it."""
    response_type, status, message = kind
    default = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    declared = responses.get(response_type) or responses.get(default) or {}
    status = int(declared.get("statusCode", status))
    headers = [("Content-Type", JSON), ("x-amzn-RequestId", request_id)]
    headers.append(("x-amzn-ErrorType", _error_type(response_type)))
    for key, value in declared.get("responseParameters", {}).items():
        if key.startswith("gatewayresponse.header."):
            headers.append((key.removeprefix("gatewayresponse.header."), static_value(value)))
    template = declared.get("responseTemplates", {}).get(JSON)
    if template is None:
        body = json.dumps({"message": message})
    else:
        body = _render(template, response_type, message, request_id)
    return Reply(status, headers, body.encode())


def _error_type(response_type: str) -> str:
    known = {
        "INVALID_API_KEY": "ForbiddenException",
        "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
        "BAD_REQUEST_BODY": "BadRequestException",
        "BAD_REQUEST_PARAMETERS": "BadRequestException",
        "REQUEST_TOO_LARGE": "RequestTooLargeException",
        "THROTTLED": "TooManyRequestsException",
        "INTEGRATION_TIMEOUT": "InternalServerErrorException",
    }
    return known.get(response_type, "InternalServerErrorException")


def static_value(value: str) -> str:
    """Return a static mapping value: API Gateway writes them in single quotes."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def _render(template: str, response_type: str, message: str, request_id: str) -> str:
    values = {
        "$context.error.responseType": response_type,
        "$context.error.messageString": json.dumps(message),
        "$context.error.message": message,
        "$context.requestId": request_id,
    }
    pattern = re.compile("|".join(re.escape(k) for k in sorted(values, key=len, reverse=True)))
    return pattern.sub(lambda m: values[m.group()], template)
