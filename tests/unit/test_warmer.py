import json
from types import SimpleNamespace

import pytest

from warmer.handler import handler, settings, warm


def test_counts_distinct_containers_and_survives_failed_pings():
    answers = iter(
        [
            {"container_id": "a", "cold_start": True, "primed": True},
            {"container_id": "b", "cold_start": False, "primed": False},
            {"container_id": "a", "cold_start": False, "primed": False},
            RuntimeError("TooManyRequestsException"),
        ]
    )
    payloads = []

    def invoke(target, payload):
        payloads.append(json.loads(payload))
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = warm("arn:aws:lambda:eu-west-1:1:function:shop-qa-api:qa", 4, 100, True, invoke=invoke)
    assert result["invocations"] == 4
    assert result["distinct_containers"] == 2
    assert result["cold_starts"] == 1 and result["primed"] == 1
    assert result["errors"] == ["RuntimeError: TooManyRequestsException"]
    assert payloads[0] == {"warmer": {"hold_ms": 100, "prime": True}}


def test_settings_come_from_the_event_or_the_environment():
    env = {"SHOP_TARGET_FUNCTION": "shop-qa-api:qa", "SHOP_WARMER_CONCURRENCY": "3"}
    assert settings({}, env) == {
        "target": "shop-qa-api:qa",
        "concurrency": 3,
        "hold_ms": 100,
        "prime": True,
    }
    assert settings({"concurrency": 5, "prime": False}, env)["concurrency"] == 5


@pytest.mark.parametrize(
    ("event", "env", "message"),
    [
        ({}, {}, "no target"),
        ({"concurrency": 0}, {"SHOP_TARGET_FUNCTION": "f:qa"}, "between 1 and 50"),
        ({"concurrency": 500}, {"SHOP_TARGET_FUNCTION": "f:qa"}, "between 1 and 50"),
    ],
)
def test_bad_settings_are_refused(event, env, message):
    with pytest.raises(ValueError, match=message):
        settings(event, env)


def test_handler_logs_one_json_line_with_the_keys_powertools_users_query(capsys, monkeypatch):
    from warmer import handler as module

    monkeypatch.setenv("SHOP_TARGET_FUNCTION", "shop-qa-api:qa")
    monkeypatch.setenv("SHOP_WARMER_CONCURRENCY", "2")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "shop-qa-warmer")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    monkeypatch.setattr(module, "_cold", True)

    def invoke(target, payload):
        return {"container_id": target + payload.decode()[:1]}

    result = handler({}, SimpleNamespace(aws_request_id="req-1"), invoke=invoke)
    handler({}, SimpleNamespace(aws_request_id="req-2"), invoke=invoke)
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first["message"] == "warmed" and first["invocations"] == 2
    assert result["distinct_containers"] == 1
    assert first["timestamp"].endswith("Z") and first["level"] == "INFO"
    assert first["service"] == "shop-qa-warmer" and first["logger"] == "warmer"
    assert first["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert (first["function_request_id"], first["cold_start"]) == ("req-1", True)
    assert (second["function_request_id"], second["cold_start"]) == ("req-2", False)
