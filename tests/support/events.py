"""Loads the sample events in tests/events/ (API Gateway REST proxy events
in the shape `sam local generate-event apigateway aws-proxy` emits)."""

import copy
import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load_json(name: str) -> dict:
    """Return tests/events/<name>.json as it is (for events that are not API Gateway's)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def load_event(name: str, *, body=None, headers=None, query=None, path_params=None, **top) -> dict:
    """Return a copy of tests/events/<name>.json with the given parts replaced.

    `body` may be a dict (JSON-encoded here) or a raw string; `headers`
    entries set to None are removed; `path_params` also rewrites `path`.
    """
    event = copy.deepcopy(load_json(name))
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if headers:
        for key, value in headers.items():
            event["headers"] = {
                k: v for k, v in event["headers"].items() if k.lower() != key.lower()
            }
            if value is not None:
                event["headers"][key] = value
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    if path_params is not None:
        event["pathParameters"] = path_params
        path = event["resource"]
        for key, value in path_params.items():
            path = path.replace("{" + key + "}", str(value))
        event["path"] = path
    event.update(top)
    return event


class LambdaContext:
    """The parts of Lambda's context object the handlers read."""

    def __init__(
        self, alias: str | None = "dev", *, function: str = "shop-dev-api", request_id="req-1"
    ):
        arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{function}"
        self.invoked_function_arn = f"{arn}:{alias}" if alias else arn
        self.function_name = function
        self.function_version = "1"
        self.aws_request_id = request_id
        self.memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def response_json(result: dict):
    """Return the decoded JSON body of a proxy result."""
    return json.loads(result["body"]) if result["body"] else None
