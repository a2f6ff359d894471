"""The local API Gateway: one REST stage built from the contract.

`Gateway.handle` takes an HTTP request through the steps API Gateway
takes, in its order: payload limit, route match, stage throttle, API key
(and its usage-plan throttle), request validation, then either the mock
integration (CORS preflight) or the cache and the Lambda proxy
integration. Every refusal is a gateway response rendered from the
contract. The function is found through the integration URI with the
stage variables substituted, so the context's ARN ends in the alias the
stage names, as in AWS. HTTP plumbing lives in `local.httpd`.
"""

import collections
import json
import time
from collections.abc import Callable

from local import cors, responses
from local.cache import ResponseCache
from local.contract import Contract, Route
from local.events import (
    BadProxyResult,
    HttpRequest,
    Stage,
    build_event,
    new_request_id,
    reply_from_result,
)
from local.limits import (
    INTEGRATION_TIMEOUT_SECONDS,
    LAMBDA_INVOKE_LIMIT_BYTES,
    MAX_PAYLOAD_BYTES,
    TokenBucket,
)
from local.responses import Reply
from local.validation import body_is_valid, missing_parameters
from local.workers import Pool

# A `Cache-Control: max-age=0` read invalidates its entry only for a caller
# allowed `execute-api:InvalidateCache`; the stage requires that authorization
# and, for anyone else, ignores the header and flags the answer
# (`require_authorization_for_cache_control`, `SUCCEED_WITH_RESPONSE_HEADER` in
# terraform/modules/api/main.tf). See
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching
# The local gateway enforces no IAM: any SigV4-style `Authorization` header
# counts as allowed, its signature is not checked. AWS's warning header was
# not confirmed; this local one marks the same case.
IGNORED_HEADER = ("x-cache-control-ignored", "unauthorized")
SIGV4_SCHEME = "aws4-hmac-sha256"


def asks_fresh(cache_control: str | None) -> bool:
    """Return True when the client asks for a fresh answer (`Cache-Control: max-age=0`)."""
    directives = {d.strip().lower().replace(" ", "") for d in (cache_control or "").split(",")}
    return "max-age=0" in directives


def is_signed(authorization: str | None) -> bool:
    """Return True for a SigV4 `Authorization: AWS4-HMAC-SHA256 ...` (signature unchecked)."""
    scheme, _, rest = (authorization or "").strip().partition(" ")
    return scheme.lower() == SIGV4_SCHEME and bool(rest.strip())


def forces_miss(cache_control: str | None, authorization: str | None) -> bool:
    """Return True when the request may invalidate its entry: max-age=0 from a signed caller."""
    return asks_fresh(cache_control) and is_signed(authorization)


class Gateway:
    def __init__(
        self,
        contract: Contract,
        functions: dict[str, Pool],
        *,
        stage: Stage,
        cors_settings: cors.CorsSettings,
        api_keys: frozenset[str],
        cache: ResponseCache,
        throttle: TokenBucket | None = None,
        key_throttle: TokenBucket | None = None,
        integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS,
        max_payload: int = MAX_PAYLOAD_BYTES,
        local_routes: Callable[[HttpRequest], Reply] | None = None,
        log: Callable[[str], None] = print,
        record_events: int = 0,
    ):
        self.contract, self.functions, self.stage = contract, functions, stage
        self.cors, self.api_keys, self.cache = cors_settings, api_keys, cache
        self.throttle, self.key_throttle = throttle, key_throttle
        self.integration_timeout, self.max_payload = integration_timeout, max_payload
        self.local_routes, self.log = local_routes, log
        self.events: collections.deque = collections.deque(maxlen=record_events or None)
        self._record = record_events > 0

    def handle(self, request: HttpRequest) -> Reply:
        """Answer one HTTP request as the stage would."""
        started = time.perf_counter()
        request_id = new_request_id()
        if self.local_routes and request.path.startswith("/_local/"):
            return self.local_routes(request)
        reply, note = self._pipeline(request, request_id)
        reply.set_header("x-amzn-RequestId", request_id)
        elapsed = (time.perf_counter() - started) * 1000
        query = "?" + "&".join(f"{k}={v}" for k, v in request.query) if request.query else ""
        self.log(f"{request.method} {request.path}{query} -> {reply.status} {elapsed:.1f}ms {note}")
        return reply

    def _error(self, kind, request_id: str, note: str = "gateway") -> tuple[Reply, str]:
        return responses.gateway_error(self.contract.gateway_responses, kind, request_id), note

    def _pipeline(self, request: HttpRequest, request_id: str) -> tuple[Reply, str]:
        if max(len(request.body), request.declared_length) > self.max_payload:
            return self._error(responses.TOO_LARGE, request_id)
        route, path_params = self.contract.match(request.method, request.routing_path)
        if route is None:
            return self._error(responses.MISSING_ROUTE, request_id)
        if self.throttle and not self.throttle.take():
            return self._error(responses.THROTTLED, request_id)
        api_key = None
        if route.needs_api_key:
            api_key = request.header("x-api-key")
            if api_key not in self.api_keys:
                return self._error(responses.INVALID_API_KEY, request_id)
            if self.key_throttle and not self.key_throttle.take():
                return self._error(responses.THROTTLED, request_id)
        headers, query = request.lower_headers(), request.multi_query()
        missing = missing_parameters(route, query=query, headers=headers)
        if missing:
            return self._error(responses.missing_params(missing), request_id)
        if not body_is_valid(route, body=request.body, content_type=headers.get("content-type")):
            return self._error(responses.BAD_BODY, request_id)
        if route.integration.get("type") == "mock":
            return self._mock(route, request), "mock"
        key = None
        if route.cached and self.cache.enabled:
            key = self.cache.key(
                route.method,
                route.resource,
                route.cache_key,
                query=query,
                path=path_params,
                headers=headers,
            )
            cache_control = headers.get("cache-control")
            ignored = asks_fresh(cache_control) and not is_signed(headers.get("authorization"))
            if not forces_miss(cache_control, headers.get("authorization")):
                hit = self.cache.get(key)
                if hit is not None:
                    hit.set_header("x-cache", "hit")
                    if ignored:
                        hit.set_header(*IGNORED_HEADER)
                    return hit, "cache hit"
        reply, note = self._invoke(route, request, path_params, request_id, api_key)
        if key is not None:
            self.cache.put(key, reply)
            reply.set_header("x-cache", "miss")
            if ignored:
                reply.set_header(*IGNORED_HEADER)
            note += " cache miss"
        return reply, note

    def _mock(self, route: Route, request: HttpRequest) -> Reply:
        status, headers = cors.preflight(
            self.cors,
            route.integration,
            origin=request.header("origin") or "",
            method=request.header("access-control-request-method") or "",
            asked_headers=request.header("access-control-request-headers") or "",
        )
        return Reply(status, [("Content-Type", responses.JSON), *headers], b"")

    def _invoke(
        self,
        route: Route,
        request: HttpRequest,
        path_params: dict,
        request_id: str,
        api_key: str | None,
    ) -> tuple[Reply, str]:
        arn = route.function_arn(self.stage.variables)
        parts = arn.split(":")
        pool = self.functions.get(parts[6]) if len(parts) >= 7 else None
        if pool is None:
            self.log(f"no local function for {arn}")
            return self._error(responses.FUNCTION_ERROR, request_id)
        qualifier = parts[7] if len(parts) == 8 else None
        event = build_event(
            request, route, path_params, self.stage, request_id=request_id, api_key=api_key
        )
        if len(json.dumps(event).encode()) > LAMBDA_INVOKE_LIMIT_BYTES:
            # API Gateway takes up to 10 MB, but Lambda refuses a synchronous invoke
            # whose event (body, base64 or not, plus headers) is over 6 MB; the
            # caller gets the gateway's 413 and the function never runs.
            return self._error(responses.TOO_LARGE, request_id, "over Lambda's invoke limit")
        if self._record:
            self.events.append(event)
        outcome = pool.invoke(
            event,
            request_id=new_request_id(),
            qualifier=qualifier,
            wait=self.integration_timeout,
        )
        note = f"{outcome.worker}{' cold' if outcome.cold else ''}"
        if outcome.timed_out:
            if self.integration_timeout <= pool.spec.timeout:
                return self._error(responses.TIMEOUT, request_id, note + " integration timeout")
            return self._error(responses.FUNCTION_ERROR, request_id, note + " function timeout")
        if outcome.error is not None:
            self.log(
                f"function error: {outcome.error.get('errorType')}: "
                f"{outcome.error.get('errorMessage')}"
            )
            return self._error(responses.FUNCTION_ERROR, request_id, note + " function error")
        try:
            reply = reply_from_result(outcome.result)
        except BadProxyResult as exc:
            self.log(f"malformed Lambda proxy response: {exc}")
            return self._error(responses.FUNCTION_ERROR, request_id, note + " bad result")
        if reply.header("content-type") is None:
            reply.headers.append(("Content-Type", responses.JSON))
        return reply, note
