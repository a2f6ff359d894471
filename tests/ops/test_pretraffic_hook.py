"""The pre-traffic hook reports a verdict to CodeDeploy for every outcome.

CodeDeploy and Lambda are botocore Stubbers: moto neither runs hooks nor
invokes code without Docker. The api's own answer to the ping is produced by
the real api handler module's keep-alive path (shop.api), so the hook
is checked against what the api really returns.
"""

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from pretraffic import handler as hook

from deploy import canary
from shop import api as keepalive
from support import pii

EVENT = {"DeploymentId": "d-123", "LifecycleEventHookExecutionId": "exec-1"}


def _client(service):
    return boto3.client(
        service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _payload(data) -> StreamingBody:
    body = json.dumps(data).encode()
    return StreamingBody(io.BytesIO(body), len(body))


@pytest.fixture(autouse=True)
def cold_hook(monkeypatch):
    """Each test starts a new environment of the hook, which sets up logging
    as in Lambda (shop.logs on stdout); the test process's logging is put back."""
    monkeypatch.setattr(hook, "_cold", True)


def _deployment(cd):
    """Queue CodeDeploy's answer naming the deployment's AppSpec: the api from 6 to 7."""
    spec = canary.appspec("shop-qa-api", "qa", "6", "7", "shop-qa-pretraffic")
    cd.add_response(
        "get_deployment",
        {
            "deploymentInfo": {
                "deploymentId": "d-123",
                "revision": {
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": spec},
                },
            }
        },
        {"deploymentId": "d-123"},
    )


@pytest.fixture
def stubs():
    codedeploy, lam = _client("codedeploy"), _client("lambda")
    with Stubber(codedeploy) as cd, Stubber(lam) as fn:
        _deployment(cd)
        yield (codedeploy, lam), cd, fn
        cd.assert_no_pending_responses()
        fn.assert_no_pending_responses()


def _verdict(cd, status):
    cd.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": "exec-1"},
        {"deploymentId": "d-123", "lifecycleEventHookExecutionId": "exec-1", "status": status},
    )


def _api_answer(monkeypatch, *, version, primed):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", version)
    return keepalive.answer(json.loads(hook.PING), cold=True, primed=primed)


def _invoked(fn, response):
    fn.add_response(
        "invoke",
        response,
        {"FunctionName": "shop-qa-api", "Qualifier": "7", "Payload": hook.PING},
    )


def test_a_version_that_initialises_passes(stubs, monkeypatch):
    clients, cd, fn = stubs
    answer = _api_answer(monkeypatch, version="7", primed=True)
    _invoked(fn, {"StatusCode": 200, "Payload": _payload(answer)})
    _verdict(cd, "Succeeded")
    assert hook.handler(EVENT, None, clients=clients) == {"status": "Succeeded", "problem": None}


def test_a_version_that_cannot_initialise_fails_the_deployment(stubs, monkeypatch):
    clients, cd, fn = stubs
    answer = _api_answer(monkeypatch, version="7", primed=False)
    _invoked(fn, {"StatusCode": 200, "Payload": _payload(answer)})
    _verdict(cd, "Failed")
    result = hook.handler(EVENT, None, clients=clients)
    assert result["problem"] == "version 7 could not initialise (see shop-qa-api's logs)"


def test_a_version_that_raises_fails_the_deployment(stubs):
    clients, cd, fn = stubs
    error = {"errorType": "ImportError", "errorMessage": "No module named 'shop.app'"}
    _invoked(fn, {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _payload(error)})
    _verdict(cd, "Failed")
    assert "ImportError" in hook.handler(EVENT, None, clients=clients)["problem"]


def test_the_hooks_own_error_is_reported_not_raised(stubs):
    clients, cd, fn = stubs
    fn.add_client_error("invoke", "AccessDeniedException", "not allowed")
    _verdict(cd, "Failed")
    result = hook.handler(EVENT, None, clients=clients)
    assert result["status"] == "Failed" and "AccessDenied" in result["problem"]


class _Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def test_the_verdict_line_has_the_keys_every_function_line_has(stubs, monkeypatch, capsys):
    """GIVEN a traced invocation whose api answer quotes a customer's address,
    THEN the hook writes one JSON line with Powertools' keys (as shop.logs
    writes them for api, report and migrate), and the address is redacted."""
    clients, cd, fn = stubs
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "shop-qa-pretraffic")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    error = {"errorType": "ValueError", "errorMessage": "no order for ada.lovelace@example.org"}
    _invoked(fn, {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": _payload(error)})
    _verdict(cd, "Failed")
    hook.handler(EVENT, _Context(), clients=clients)
    out = capsys.readouterr().out
    (line,) = [json.loads(text) for text in out.splitlines()]
    assert line["timestamp"].endswith("Z") and line["level"] == "ERROR"
    assert line["message"] == "pre-traffic verdict"
    assert line["service"] == "shop-qa-pretraffic"
    assert line["function_request_id"] == _Context.aws_request_id
    assert line["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert line["cold_start"] is True
    assert (line["deployment"], line["status"], line["version"]) == ("d-123", "Failed", "7")
    assert "<email>" in line["problem"]
    assert pii.findings(out) == []


def test_a_second_verdict_in_the_same_environment_is_not_a_cold_start(stubs, monkeypatch, capsys):
    clients, cd, fn = stubs  # the first deployment's AppSpec queued
    answer = _api_answer(monkeypatch, version="7", primed=True)
    _invoked(fn, {"StatusCode": 200, "Payload": _payload(answer)})
    _verdict(cd, "Succeeded")
    hook.handler(EVENT, _Context(), clients=clients)
    _deployment(cd)  # the second deployment's
    _invoked(fn, {"StatusCode": 200, "Payload": _payload(answer)})
    _verdict(cd, "Succeeded")
    hook.handler(EVENT, _Context(), clients=clients)
    first, second = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (first["cold_start"], second["cold_start"]) == (True, False)
    assert first["level"] == second["level"] == "INFO"
