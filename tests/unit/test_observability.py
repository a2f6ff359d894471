"""Log lines and metrics as an operator reads them: Powertools' keys, no
personal data, and Embedded Metric Format that CloudWatch can extract."""

import io
import json
import logging
from types import SimpleNamespace

import pytest

from shop import logs, metrics
from support import emf


@pytest.fixture
def lines(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "shop-api")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("test.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_every_line_has_the_keys_powertools_and_logs_insights_expect(lines, monkeypatch):
    logger, read = lines
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    token = logs.start_invocation("c6af9ac6-7b61-11e6", cold_start=True)
    logger.info("request", extra={"status": 201})
    logs.end_invocation(token)
    logger.info("between invocations")
    inside, outside = read()
    assert inside["timestamp"].endswith("Z") and inside["level"] == "INFO"
    assert inside["message"] == "request" and inside["service"] == "shop-api"
    assert inside["function_request_id"] == "c6af9ac6-7b61-11e6"
    assert inside["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert inside["cold_start"] is True and inside["status"] == 201
    assert "function_request_id" not in outside and "cold_start" not in outside


def test_a_scheduled_function_s_lines_carry_its_invocation_until_it_ends_even_in_error(lines):
    logger, read = lines
    # WHEN the relay's invocation fails, and a local one (no Lambda context) runs after it
    with (
        pytest.raises(RuntimeError),
        logs.invocation(SimpleNamespace(aws_request_id="8f5b"), cold=False),
    ):
        logger.info("relay run")
        raise RuntimeError("SES is down")
    with logs.invocation(None, cold=False):
        logger.info("local run")
    logger.info("between invocations")
    # THEN each line inside carries its invocation's ids, and none outside
    relay, local, outside = read()
    assert relay["function_request_id"] == "8f5b" and relay["cold_start"] is False
    assert local["function_request_id"] == "local"
    assert "function_request_id" not in outside


def test_a_cold_invocation_first_sends_every_line_as_json_at_the_configured_level(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setenv("SHOP_LOG_LEVEL", "WARNING")
    with logs.invocation(None, cold=True):
        (handler,) = root.handlers
        assert isinstance(handler.formatter, logs.JsonFormatter)
        assert root.level == logging.WARNING


def test_email_addresses_and_secrets_never_reach_a_line(lines):
    logger, read = lines
    logs.redact("hunter2-but-longer")
    try:
        raise ValueError("duplicate entry 'ada.lovelace+shop@example.co.uk' for key")
    except ValueError:
        logger.exception(
            "failed for bob@example.com",
            extra={"to": ["eve@example.org"], "detail": {"password": "hunter2-but-longer"}},
        )
    (line,) = read()
    text = json.dumps(line)
    for secret in ("ada.lovelace+shop@example.co.uk", "bob@example.com", "eve@example.org"):
        assert secret not in text
    assert "hunter2-but-longer" not in text
    assert line["message"] == "failed for <email>" and line["detail"]["password"] == "<secret>"
    assert "<email>" in line["exception"]


def test_a_secret_that_json_escapes_is_found_in_a_line_without_an_address(lines):
    """GIVEN a registered secret with a quote, a backslash and a newline (escaped in
    JSON) and a line with no "@", THEN the secret is still replaced."""
    logger, read = lines
    secret = 'pa"ss\\wo\nrd-9'
    logs.redact(secret)
    logger.warning("login refused", extra={"detail": f"with {secret} as given", "n": 3})
    (line,) = read()
    assert line["detail"] == "with <secret> as given" and line["n"] == 3


def test_a_request_line_carries_valid_emf_with_the_right_units():
    recorder = metrics.Recorder("prod", clock=lambda: 1700000000.0)
    recorder.put("OrdersPlaced", 1)
    recorder.put("OrderValue", 12.5)
    recorder.put("DatabaseConnectTime", 4.2)
    recorder.put("DatabaseConnectTime", 3.1)
    recorder.put("ServiceUnavailable", 1, by="too_many_connections")
    document = {"message": "request", **recorder.emf()}
    assert emf.problems(document) == []
    assert document["_aws"]["Timestamp"] == 1700000000000
    assert document["DatabaseConnectTime"] == [4.2, 3.1]
    assert document["Cause"] == "too_many_connections" and document["Stage"] == "prod"
    assert emf.metrics_in([json.dumps(document)]) == {
        "OrdersPlaced": {"Count"},
        "OrderValue": {"None"},
        "DatabaseConnectTime": {"Milliseconds"},
        "ServiceUnavailable": {"Count"},
    }


def test_every_metric_carries_the_unit_its_values_are_in():
    assert metrics.METRICS == emf.EXPECTED_UNITS


def test_the_emf_validator_refuses_what_cloudwatch_would_not_extract():
    assert emf.problems({"Stage": "dev", "X": 1}) == ["no _aws object"]
    bad = {
        "_aws": {
            "Timestamp": "now",
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [["Stage"]],
                    "Metrics": [{"Name": "X", "Unit": "Orders"}, {"Name": "Y"}],
                }
            ],
        },
        "Stage": 3,
        "X": 1,
        "Y": "many",
    }
    assert len(emf.problems(bad)) == 4


def test_metrics_refuse_unknown_names_and_missing_dimensions():
    recorder = metrics.Recorder("dev")
    with pytest.raises(ValueError, match="unknown metric"):
        recorder.put("Orders", 1)
    with pytest.raises(ValueError, match="Cause"):
        recorder.put("ServiceUnavailable", 1)
    assert recorder.emf() == {}
