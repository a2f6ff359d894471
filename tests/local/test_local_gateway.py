"""The local gateway enforces what the contract says before a function runs,
and treats the function as API Gateway treats a Lambda proxy integration."""

import json
import os

import pytest
from localkit import ECHO_KEY, send

from local.limits import TokenBucket


def body(reply) -> dict:
    return json.loads(reply.body)


def test_an_unknown_route_or_method_is_missing_authentication_token(make_echo_gateway):
    gateway = make_echo_gateway()
    for method, path in [("GET", "/nowhere"), ("DELETE", "/echo"), ("GET", "/echo/")]:
        reply = send(gateway, method, path)
        assert reply.status == 403, (method, path)
        assert body(reply) == {"message": "Missing Authentication Token"}


def test_an_operation_with_security_needs_the_api_key(make_echo_gateway):
    gateway = make_echo_gateway()

    def post(*key):
        headers = [("X-Trace", "1"), ("Content-Type", "application/json"), *key]
        return send(
            gateway, "POST", "/things", query=[("tag", "t")], headers=headers, body=b'{"name": "b"}'
        )

    without, wrong, right = post(), post(("x-api-key", "nope")), post(("X-API-Key", ECHO_KEY))
    assert (without.status, body(without)) == (403, {"message": "Forbidden"})
    assert (wrong.status, body(wrong)) == (403, {"message": "Forbidden"})
    assert right.status == 200
    identity = body(right)["event"]["requestContext"]["identity"]
    assert identity["apiKey"] == ECHO_KEY


def test_required_parameters_are_checked_before_the_function(make_echo_gateway):
    gateway = make_echo_gateway()
    reply = send(
        gateway,
        "POST",
        "/things",
        headers=[("x-api-key", ECHO_KEY)],
        body=b'{"name": "box"}',
    )
    assert reply.status == 400
    assert body(reply) == {"message": "Missing required request parameters: [tag, X-Trace]"}


def test_the_body_is_checked_against_the_model_as_json_schema_draft_4(make_echo_gateway):
    gateway = make_echo_gateway()
    base = {"query": [("tag", "t")], "headers": [("x-api-key", ECHO_KEY), ("X-Trace", "1")]}

    def post(raw: bytes, content_type: str | None = "application/json"):
        headers = base["headers"] + ([("Content-Type", content_type)] if content_type else [])
        return send(gateway, "POST", "/things", query=base["query"], headers=headers, body=raw)

    for bad in [b'{"name": "BOX"}', b'{"name": "box", "extra": 1}', b"{}", b"not json", b""]:
        reply = post(bad)
        assert (reply.status, body(reply)) == (400, {"message": "Invalid request body"}), bad
    # No format checks in draft 4 models; a missing Content-Type means JSON.
    assert post(b'{"name": "box", "email": "not-an-email"}').status == 200
    assert post(b'{"name": "BOX"}', content_type=None).status == 400
    # A media type without a model passes through to the function.
    assert post(b"name=BOX", content_type="text/plain").status == 200


def test_payloads_over_10_mb_are_refused(make_echo_gateway):
    gateway = make_echo_gateway()
    reply = send(gateway, "GET", "/echo", body=b"x" * (10 * 1024 * 1024 + 1))
    assert reply.status == 413
    assert body(reply) == {"message": "Request Too Long"}
    assert send(gateway, "GET", "/echo", body=b"x" * 1024).status == 200


def test_an_empty_throttle_bucket_answers_429(make_echo_gateway):
    gateway = make_echo_gateway(throttle=TokenBucket(0.001, 2))
    statuses = [send(gateway, "GET", "/echo").status for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert body(send(gateway, "GET", "/echo")) == {"message": "Too Many Requests"}


def test_the_context_names_the_alias_of_the_stage_variable(make_echo_gateway):
    reply = send(make_echo_gateway(), "GET", "/echo")
    answer = body(reply)
    assert answer["invoked_function_arn"] == (
        "arn:aws:lambda:eu-west-1:123456789012:function:echo-fn:dev"
    )
    assert answer["event"]["stageVariables"] == {"alias": "dev"}
    assert 0 < answer["remaining_ms"] <= 5000


def test_a_slow_function_gets_504_and_its_worker_is_replaced(make_echo_gateway, echo_pool):
    # GIVEN a warm worker, and a gateway whose integration timeout (0.5 s) is below
    # the function's (5 s)
    assert send(make_echo_gateway(), "GET", "/echo").status == 200
    gateway = make_echo_gateway(integration_timeout=0.5)
    before = {w["pid"] for w in echo_pool.stats()["workers"]}
    # WHEN the function would take longer than both timeouts
    slow = send(gateway, "GET", "/echo", query=[("sleep", "60")])
    # THEN API Gateway's 504: the integration timeout fired first (the function's
    # own would have been a 502), and the worker that hung is killed
    assert slow.status == 504
    assert body(slow) == {"message": "Endpoint request timed out"}
    killed = before - {w["pid"] for w in echo_pool.stats()["workers"]}
    assert len(killed) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(killed.pop(), 0)
    # AND the next request is served by a healthy worker
    assert send(gateway, "GET", "/echo").status == 200


def test_a_function_error_or_a_malformed_answer_is_502(make_echo_gateway):
    gateway = make_echo_gateway()
    for answer in ("raise", "garbage"):
        reply = send(gateway, "GET", "/echo", query=[("answer", answer)])
        assert reply.status == 502, answer
        assert body(reply) == {"message": "Internal server error"}
