import json

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


def test_handler_logs_one_json_line(capsys, monkeypatch):
    monkeypatch.setenv("SHOP_TARGET_FUNCTION", "shop-qa-api:qa")
    monkeypatch.setenv("SHOP_WARMER_CONCURRENCY", "2")
    result = handler({}, None, invoke=lambda t, p: {"container_id": t + p.decode()[:1]})
    line = json.loads(capsys.readouterr().out)
    assert line["message"] == "warmed" and line["invocations"] == 2
    assert result["distinct_containers"] == 1
