"""Worker pools behave like Lambda's execution environments: a fresh process
per cold start, reuse when warm, one environment per concurrent request,
Lambda's error documents, and a timed-out environment is thrown away."""

import json
import os
import threading

import pytest
from localkit import FIXTURES, ROOT

from local.workers import FunctionSpec, Pool


def spec(handler: str = "echo_handler.handler", **overrides) -> FunctionSpec:
    settings = {
        "name": "echo-fn",
        "handler": handler,
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:echo-fn",
        "timeout": 5.0,
        "python_path": (str(FIXTURES), str(ROOT)),
    }
    return FunctionSpec(**{**settings, **overrides})


@pytest.fixture
def make_pool():
    pools = []

    def build(size: int = 2, **overrides) -> Pool:
        pool = Pool(spec(**overrides), max_workers=size, cwd=ROOT, log=lambda line: None)
        pools.append(pool)
        return pool

    yield build
    for pool in pools:
        pool.close()


def event(**query) -> dict:
    return {"queryStringParameters": {k: str(v) for k, v in query.items()} or None}


def answer(outcome) -> dict:
    assert outcome.error is None, outcome.error
    return json.loads(outcome.result["body"])


def test_the_first_invocation_is_cold_and_the_next_reuses_the_environment(make_pool):
    pool = make_pool()
    first = pool.invoke(event(), request_id="r1", qualifier="dev")
    second = pool.invoke(event(), request_id="r2", qualifier="dev")
    assert (first.cold, second.cold) == (True, False)
    assert answer(first)["first"] is True and answer(second)["first"] is False
    assert answer(first)["pid"] == answer(second)["pid"] != os.getpid()
    assert answer(first)["invoked_function_arn"].endswith(":function:echo-fn:dev")


def test_concurrent_invocations_use_separate_environments_up_to_the_limit(make_pool):
    pool = make_pool(size=3)
    outcomes = []

    def call(i):
        outcomes.append(pool.invoke(event(sleep=1), request_id=f"r{i}", qualifier="dev"))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pids = {answer(o)["pid"] for o in outcomes}
    assert len(outcomes) == 5
    assert len(pids) == 3  # five requests, at most three environments at once
    assert sum(o.cold for o in outcomes) == 3


def test_a_handler_exception_is_lambdas_error_document_and_the_worker_lives(make_pool):
    pool = make_pool()
    pid = answer(pool.invoke(event(), request_id="r1", qualifier=None))["pid"]
    failed = pool.invoke(event(answer="raise"), request_id="r2", qualifier=None)
    assert failed.error["errorType"] == "RuntimeError"
    assert failed.error["errorMessage"] == "the handler failed on purpose"
    assert failed.error["stackTrace"]
    assert answer(pool.invoke(event(), request_id="r3", qualifier=None))["pid"] == pid


def test_a_module_that_cannot_be_imported_is_an_init_error(make_pool):
    pool = make_pool(handler="no_such_module.handler")
    outcome = pool.invoke({}, request_id="r1", qualifier=None)
    assert outcome.error["errorType"] == "Runtime.ImportModuleError"
    assert "no_such_module" in outcome.error["errorMessage"]


def test_a_timed_out_invocation_kills_its_environment(make_pool):
    pool = make_pool(timeout=2)
    pid = answer(pool.invoke(event(), request_id="r1", qualifier=None))["pid"]
    slow = pool.invoke(event(sleep=10), request_id="r2", qualifier=None)
    assert slow.timed_out
    assert slow.error["errorMessage"] == "r2 Task timed out after 2.00 seconds"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    fresh = pool.invoke(event(), request_id="r3", qualifier=None)
    assert fresh.cold and answer(fresh)["pid"] != pid


def test_the_callers_aws_settings_do_not_leak_into_the_environment(make_pool, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-elses")
    monkeypatch.setenv("SHOP_STAGE", "prod")
    pool = make_pool(env={"SHOP_STAGE": "dev"})
    variables = answer(pool.invoke(event(env=1), request_id="r1", qualifier=None))["environ"]
    assert "AWS_PROFILE" not in variables
    assert variables["SHOP_STAGE"] == "dev"
