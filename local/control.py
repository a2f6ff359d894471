"""The stack's own endpoints under `/_local/` on the gateway's port.

- `GET /_local/health`: the stack is up; its URLs.
- `GET /_local/outbox`: e-mails sent through SES and messages published
  to SNS (read from the local moto server).
- `GET /_local/workers`: each function's worker processes.
- `GET|DELETE /_local/cache`: size of, or flush, the stage cache.
- `POST /_local/lambda/2015-03-31/functions/<name>/invocations`: Lambda's
  Invoke API for the local functions, so boto3 clients (the warmer, `make
  invoke`) reach them through `AWS_ENDPOINT_URL_LAMBDA` unchanged.

None of these exist in AWS; they stay out of the contract on purpose.
"""

import json
import threading
import uuid
from urllib.parse import unquote

from local.cache import ResponseCache
from local.events import HttpRequest
from local.responses import Reply, json_reply
from local.workers import Pool

LAMBDA_PREFIX = "/_local/lambda/2015-03-31/functions/"


class Control:
    def __init__(
        self,
        *,
        pools: dict[str, Pool],
        cache: ResponseCache,
        aws=None,
        info: dict | None = None,
        stage: str = "dev",
    ):
        self.pools, self.cache, self.aws = pools, cache, aws
        self.info, self.stage = info or {}, stage

    def __call__(self, request: HttpRequest) -> Reply:
        path, method = request.path, request.method
        if path.startswith(LAMBDA_PREFIX) and path.endswith("/invocations") and method == "POST":
            return self.invoke(request, path[len(LAMBDA_PREFIX) : -len("/invocations")])
        if path == "/_local/health" and method == "GET":
            return json_reply(200, {"status": "ok", **self.info})
        if path == "/_local/outbox" and method == "GET":
            if self.aws is None:
                return json_reply(200, {"emails": [], "events": []})
            return json_reply(200, self.aws.outbox())
        if path == "/_local/workers" and method == "GET":
            return json_reply(200, {name: pool.stats() for name, pool in self.pools.items()})
        if path == "/_local/cache" and method == "GET":
            return json_reply(200, {"entries": len(self.cache), "ttl_seconds": self.cache.ttl})
        if path == "/_local/cache" and method == "DELETE":
            return json_reply(200, {"flushed": self.cache.flush()})
        return json_reply(404, {"message": f"no local endpoint {method} {path}"})

    def invoke(self, request: HttpRequest, raw_name: str) -> Reply:
        """Lambda's Invoke API: RequestResponse, Event or DryRun."""
        name, qualifier = _function_and_qualifier(unquote(raw_name))
        query = dict(request.query)
        qualifier = query.get("Qualifier", qualifier)
        pool = self.pools.get(name)
        if pool is None or qualifier not in (None, "$LATEST", self.stage):
            shown = f"{name}:{qualifier}" if qualifier else name
            return _lambda_error(404, "ResourceNotFoundException", f"Function not found: {shown}")
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _lambda_error(400, "InvalidRequestContentException", "payload is not JSON")
        kind = request.header("x-amz-invocation-type") or "RequestResponse"
        request_id = str(uuid.uuid4())
        if kind == "DryRun":
            return Reply(204, [("x-amzn-RequestId", request_id)])
        if kind == "Event":
            threading.Thread(
                target=pool.invoke,
                args=(payload,),
                kwargs={"request_id": request_id, "qualifier": qualifier},
                daemon=True,
            ).start()
            return Reply(202, [("x-amzn-RequestId", request_id)])
        outcome = pool.invoke(payload, request_id=request_id, qualifier=qualifier)
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request_id),
            ("X-Amz-Executed-Version", "$LATEST"),
        ]
        if outcome.error is not None:
            headers.append(("X-Amz-Function-Error", "Unhandled"))
            return Reply(
                200, headers, json.dumps({**outcome.error, "requestId": request_id}).encode()
            )
        return Reply(200, headers, json.dumps(outcome.result).encode())


def _function_and_qualifier(name: str) -> tuple[str, str | None]:
    """Split `arn:aws:lambda:r:a:function:NAME[:Q]` or `NAME[:Q]`."""
    if name.startswith("arn:"):
        parts = name.split(":")
        return (parts[6] if len(parts) > 6 else ""), (parts[7] if len(parts) > 7 else None)
    base, _, qualifier = name.partition(":")
    return base, qualifier or None


def _lambda_error(status: int, code: str, message: str) -> Reply:
    body = json.dumps({"Type": "User", "Message": message, "message": message}).encode()
    return Reply(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body)
