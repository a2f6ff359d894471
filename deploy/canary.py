"""Traffic shifting of the api alias through AWS CodeDeploy, followed to the end.

CodeDeploy (compute platform Lambda) moves the alias from CurrentVersion to
TargetVersion by the deployment group's configuration (canary, linear or
all-at-once per stage), runs the pre-traffic hook first, watches the
group's alarms and rolls the alias back by itself on an alarm or a failed
hook. This module only starts a deployment with an AppSpec and reports what
the engine does: the share of traffic on the new version (read from the
alias's routing configuration, which is where CodeDeploy moves it) and the
state of every alarm of the group, one line per change.

It never moves the alias itself: the traffic decision stays with CodeDeploy,
so a deploy and a rollback take the same, audited path.
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field

from deploy.steps import DeployError

TERMINAL = ("Succeeded", "Failed", "Stopped")
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"


@dataclass(frozen=True)
class Group:
    """A CodeDeploy deployment group, as the deploy reads it back from AWS."""

    application: str
    name: str
    config: str
    alarms: tuple[str, ...]
    hook: str | None = None
    override: bool = False  # `config` is this deployment's own, not the group's


@dataclass(frozen=True)
class Pace:
    """How often the deployment is polled, and the clock and sleep it uses (tests pass theirs).

    `timeout_s` None: the configuration's own length plus MARGIN_S (patience_s).
    """

    poll_s: float = 5
    sleep: object = time.sleep
    clock: object = time.monotonic
    timeout_s: float | None = None


REAL_TIME = Pace()
# Beyond the configuration's own shifting: the hook (up to release.hook_timeout_s),
# CodeDeploy's own steps and the alarms' last evaluation.
MARGIN_S = 30 * 60
_SHIFT = re.compile(r"Lambda(?:Canary10Percent(\d+)Minutes|Linear10PercentEvery(\d+)Minutes?)$")


def patience_s(config: str) -> float:
    """How long a deployment of `config` may take: its traffic shifting plus MARGIN_S.

    A canary waits its interval once, a linear configuration nine times
    (ten steps of 10%); all at once, and configurations the name does not
    tell about, get the margin alone.
    """
    found = _SHIFT.search(config)
    if not found:
        return MARGIN_S
    canary_minutes, linear_minutes = found.groups()
    minutes = int(canary_minutes) if canary_minutes else 9 * int(linear_minutes)
    return minutes * 60 + MARGIN_S


@dataclass(frozen=True)
class Move:
    """The move of `function_name`:`alias` to version `target`, and the clients that watch it."""

    codedeploy: object
    lambda_client: object
    cloudwatch: object
    function_name: str
    alias: str
    target: str


@dataclass
class Outcome:
    """How a deployment ended; `rolled_back` when CodeDeploy put the old version back."""

    deployment_id: str
    status: str
    error: str = ""
    rolled_back: bool = False
    alarms_fired: list[str] = field(default_factory=list)


def appspec(function_name: str, alias: str, current: str, target: str, hook: str | None) -> str:
    """Return the AppSpec (JSON) that moves `alias` from `current` to `target`."""
    spec: dict = {
        "version": 0.0,
        "Resources": [
            {
                "api": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": function_name,
                        "Alias": alias,
                        "CurrentVersion": current,
                        "TargetVersion": target,
                    },
                }
            }
        ],
    }
    if hook:
        spec["Hooks"] = [{"BeforeAllowTraffic": hook}]
    return json.dumps(spec, sort_keys=True)


def read_group(codedeploy, application: str, name: str) -> Group:
    """Return the deployment group's configuration, alarms and hook as AWS holds them."""
    from botocore.exceptions import ClientError

    try:
        info = codedeploy.get_deployment_group(
            applicationName=application, deploymentGroupName=name
        )["deploymentGroupInfo"]
    except ClientError as exc:
        raise DeployError(
            f"cannot read the CodeDeploy group {application}/{name}: {exc}",
            hint="apply the stage first (make deploy creates it), then retry",
        ) from exc
    alarms = tuple(a["name"] for a in info.get("alarmConfiguration", {}).get("alarms", []))
    return Group(application, name, info.get("deploymentConfigName", ""), alarms)


def start(codedeploy, group: Group, *, function_name, alias, current, target, reason) -> str:
    """Start the deployment; return its id. Raises DeployError when CodeDeploy refuses.

    A group's `config` other than its own (a rollback's all-at-once) is
    passed as the deployment's configuration; hook and alarms stay the group's.
    """
    from botocore.exceptions import ClientError

    spec = appspec(function_name, alias, current, target, group.hook)
    extra = {"deploymentConfigName": group.config} if group.override else {}
    try:
        response = codedeploy.create_deployment(
            applicationName=group.application,
            deploymentGroupName=group.name,
            description=reason[:100],
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": spec},
            },
            **extra,
        )
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        hint = "read the error and retry; traffic has not moved"
        if code == "DeploymentLimitExceededException":
            hint = (
                "another deployment of this group is running: wait for it "
                "(aws deploy list-deployments) and retry; traffic has not moved"
            )
        raise DeployError(f"CodeDeploy refused the deployment ({code}): {exc}", hint=hint) from exc
    return response["deploymentId"]


def traffic_on(lambda_client, function_name: str, alias: str, target: str) -> float:
    """Return the share (0-100) of the alias's traffic that goes to `target`."""
    found = lambda_client.get_alias(FunctionName=function_name, Name=alias)
    if found["FunctionVersion"] == target:
        weights = found.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        return 100.0 * (1 - sum(weights.values()))
    weights = found.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
    return 100.0 * weights.get(target, 0.0)


def alarm_states(cloudwatch, names: tuple[str, ...]) -> dict[str, str]:
    if not names:
        return {}
    found = cloudwatch.describe_alarms(AlarmNames=list(names))["MetricAlarms"]
    states = {a["AlarmName"]: a["StateValue"] for a in found}
    return {name: states.get(name, "MISSING") for name in names}


def follow(
    deployment_id: str, group: Group, move: Move, *, out=sys.stdout, pace: Pace = REAL_TIME
) -> Outcome:
    """Print progress until the deployment ends; return how it ended.

    A line is printed whenever the status, the share on the new version or
    an alarm's state changes, so a 30-minute canary stays readable.
    """
    clock = pace.clock
    limit = pace.timeout_s if pace.timeout_s is not None else patience_s(group.config)
    started, last, fired = clock(), None, set()
    while True:
        info = move.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        status = info["status"]
        share = traffic_on(move.lambda_client, move.function_name, move.alias, move.target)
        alarms = alarm_states(move.cloudwatch, group.alarms)
        fired |= {name for name, state in alarms.items() if state == "ALARM"}
        line = (status, round(share), tuple(sorted(alarms.items())))
        if line != last:
            shown = ", ".join(f"{n} {s}" for n, s in alarms.items()) or "none"
            print(
                f"    {clock() - started:5.0f} s  {status:<10} {share:3.0f}% on version "
                f"{move.target}   alarms: {shown}",
                file=out,
                flush=True,
            )
            last = line
        if status in TERMINAL:
            error = info.get("errorInformation", {})
            rollback = info.get("rollbackInfo", {})
            return Outcome(
                deployment_id,
                status,
                error=": ".join(v for v in (error.get("code"), error.get("message")) if v),
                rolled_back=bool(rollback.get("rollbackDeploymentId")) or status != "Succeeded",
                alarms_fired=sorted(fired),
            )
        if clock() - started > limit:
            raise DeployError(
                f"deployment {deployment_id} still {status} after {limit:.0f} s",
                hint="CodeDeploy keeps going on its own: watch it in the console or with "
                f"aws deploy get-deployment --deployment-id {deployment_id}",
            )
        pace.sleep(pace.poll_s)


def shift(
    group: Group, move: Move, *, reason: str, out=sys.stdout, pace: Pace = REAL_TIME
) -> Outcome:
    """Make the move through CodeDeploy; raise DeployError unless it succeeded."""
    name, alias, target = move.function_name, move.alias, move.target
    current = move.lambda_client.get_alias(FunctionName=name, Name=alias)["FunctionVersion"]
    if current == target:
        print(f"    {name}:{alias} already serves version {target}", file=out)
        return Outcome("", "Succeeded")
    deployment_id = start(
        move.codedeploy,
        group,
        function_name=name,
        alias=alias,
        current=current,
        target=target,
        reason=reason,
    )
    print(
        f"    deployment {deployment_id}: {name}:{alias} {current} -> {target} "
        f"({group.config}, hook {group.hook or 'none'})",
        file=out,
        flush=True,
    )
    outcome = follow(deployment_id, group, move, out=out, pace=pace)
    if outcome.status != "Succeeded":
        serving = move.lambda_client.get_alias(FunctionName=name, Name=alias)
        why = outcome.error or outcome.status
        if outcome.alarms_fired:
            why += f" (alarms: {', '.join(outcome.alarms_fired)})"
        raise DeployError(
            f"the deployment of {name} version {target} was rolled back: {why}; "
            f"{alias} serves version {serving['FunctionVersion']}",
            hint=f"read the new version's logs (make logs ENV={alias} FN=api) and the alarms; "
            "fix and deploy again",
        )
    return outcome
