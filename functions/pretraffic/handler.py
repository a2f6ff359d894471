"""CodeDeploy's BeforeAllowTraffic hook: smoke-test a new api version before it gets traffic.

CodeDeploy invokes it with `{"DeploymentId", "LifecycleEventHookExecutionId"}`
and waits for PutLifecycleEventHookExecutionStatus. The target version is read
from the deployment's own AppSpec, then invoked directly (the alias does not
point at it yet) with a priming keep-alive ping: the api answers it before
routing, and priming makes the new version run its whole initialisation
(config client, secret, contract, router, engine object). A version that
errors, answers as another version, or fails to initialise is reported as
Failed, and CodeDeploy stops before any traffic moves. A real request cannot
be sent to a bare version: the api serves only through a stage alias.

Every failure, the hook's own included, is reported, never raised: an
unanswered hook would hold the deployment for an hour.

Its verdict line goes through shop.logs, the one module of the shop package
its zip carries (functions/functions.json): the same keys as every other
function's lines, and e-mail addresses and secrets redacted from a problem
that quotes the api's answer.
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-section-structure-lambda-sample-function
"""

import json
import logging

from shop import logs

log = logging.getLogger("shop.pretraffic")
PING = json.dumps({"warmer": {"hold_ms": 0, "prime": True}}).encode()

_clients = None
_cold = True  # until the first invocation of this environment


def _default_clients():
    global _clients
    if _clients is None:
        import boto3
        from botocore.config import Config

        # One attempt each: CodeDeploy retries nothing for us, and a hook
        # that answers late only delays the verdict.
        config = Config(connect_timeout=5, read_timeout=50, retries={"total_max_attempts": 1})
        _clients = (boto3.client("codedeploy"), boto3.client("lambda", config=config))
    return _clients


def target_of(codedeploy, deployment_id: str) -> tuple[str, str]:
    """Return (function name, target version) from the deployment's AppSpec."""
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    spec = json.loads(info["revision"]["appSpecContent"]["content"])
    (resource,) = spec["Resources"][0].values()
    return resource["Properties"]["Name"], str(resource["Properties"]["TargetVersion"])


def smoke(lambda_client, function_name: str, version: str) -> str | None:
    """Invoke the version with a priming ping; return what is wrong, or None."""
    response = lambda_client.invoke(FunctionName=function_name, Qualifier=version, Payload=PING)
    body = response["Payload"].read().decode()
    if response.get("FunctionError"):
        return f"version {version} raised: {body[:300]}"
    answer = json.loads(body)
    if answer.get("function_version") != version:
        return f"asked version {version}, answered {answer.get('function_version')!r}"
    if answer.get("cold_start") and not answer.get("primed"):
        return f"version {version} could not initialise (see {function_name}'s logs)"
    return None


def handler(event, context, *, clients=None):
    global _cold
    cold, _cold = _cold, False
    with logs.invocation(context, cold=cold):
        return _verdict(event, clients or _default_clients())


def _verdict(event, clients) -> dict:
    codedeploy, lambda_client = clients
    deployment_id = event["DeploymentId"]
    try:
        function_name, version = target_of(codedeploy, deployment_id)
        problem = smoke(lambda_client, function_name, version)
    except Exception as exc:  # reported to CodeDeploy below, never lost
        function_name, version, problem = None, None, f"{type(exc).__name__}: {exc}"
    status = "Failed" if problem else "Succeeded"
    log.log(
        logging.ERROR if problem else logging.INFO,
        "pre-traffic verdict",
        extra={
            "deployment": deployment_id,
            "function": function_name,
            "version": version,
            "status": status,
            "problem": problem,
        },
    )
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id,
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    return {"status": status, "problem": problem}
