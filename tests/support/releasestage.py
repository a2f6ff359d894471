"""A stage in moto after its first release, for the release tests (tests/ops).

moto holds the functions, aliases, versions, alarms and the history; it
creates CodeDeploy deployments but never runs them, and runs Lambda code
only with Docker, so botocore's Stubber plays CodeDeploy's answers and the
migrate invocation, and between two polls the test does to moto what
CodeDeploy does on AWS (move the alias's routing weight, roll it back) and
what CloudWatch does (an alarm fires).
"""

from __future__ import annotations

import io
import json
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from deploy import canary, release, ship
from deploy.steps import Steps

REGION = "eu-west-1"
NAMES = ship.Names("shop", "qa")
ROLE = [""]  # the execution role created in moto by the fixture
ALARMS = ("shop-qa-api-errors", "shop-qa-api-duration-near-timeout", "shop-qa-api-5xx")


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


def publish(lam, name: str, label: str) -> str:
    """Publish a new version of `name` (creating it first); return the version."""
    code = _zip(f"def handler(e, c):\n    return {label!r}\n")
    try:
        lam.update_function_code(FunctionName=name, ZipFile=code)
    except lam.exceptions.ResourceNotFoundException:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE[0],
            Handler="handler.handler",
            Code={"ZipFile": code},
            Timeout=300,
        )
    return lam.publish_version(FunctionName=name)["Version"]


@dataclass
class Stage:
    """A stage in moto after its first release, plus CodeDeploy and the migrate invoke stubbed."""

    session: boto3.session.Session
    aws: ship.Aws
    codedeploy: Stubber
    invoke: Stubber
    clock: list = field(default_factory=lambda: [0.0])
    ticks: list = field(default_factory=list)

    @property
    def lam(self):
        return self.aws.lambda_client

    def publish_all(self, label: str) -> dict[str, str]:
        return {fn: publish(self.lam, name, label) for fn, name in NAMES.functions.items()}

    def pace(self) -> canary.Pace:
        def sleep(seconds):
            self.clock[0] += seconds
            if self.ticks:
                self.ticks.pop(0)()

        return canary.Pace(poll_s=60, sleep=sleep, clock=lambda: self.clock[0])

    def migration(self, answer: dict, *, error: str | None = None) -> None:
        body = json.dumps(answer).encode()
        response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        if error:
            response["FunctionError"] = error
        self.invoke.add_response(
            "invoke",
            response,
            {"FunctionName": "shop-qa-migrate:qa", "Payload": b'{"action": "upgrade"}'},
        )

    def deployment(
        self,
        current: str,
        target: str,
        script: list[tuple],
        config=None,
        group_config="CodeDeployDefault.LambdaCanary10Percent5Minutes",
    ) -> None:
        """Queue CodeDeploy's answers: one (status, effect, error) per poll.

        `effect` runs before that poll's answer is read, as CodeDeploy or
        CloudWatch would have acted by then.
        """
        self.codedeploy.add_response(
            "get_deployment_group",
            {
                "deploymentGroupInfo": {
                    "applicationName": NAMES.application,
                    "deploymentGroupName": NAMES.group,
                    "deploymentConfigName": group_config,
                    "alarmConfiguration": {
                        "enabled": True,
                        "alarms": [{"name": a} for a in ALARMS],
                    },
                }
            },
            {"applicationName": NAMES.application, "deploymentGroupName": NAMES.group},
        )
        spec = canary.appspec(NAMES.function("api"), "qa", current, target, NAMES.hook)
        self.codedeploy.add_response(
            "create_deployment",
            {"deploymentId": f"d-{target}EXAMPLE"},
            {
                "applicationName": NAMES.application,
                "deploymentGroupName": NAMES.group,
                "description": _Any(),
                "revision": {
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": spec},
                },
                **({"deploymentConfigName": config} if config else {}),
            },
        )
        for index, (status, effect, error) in enumerate(script):
            if index == 0:
                effect()
            else:
                self.ticks.append(effect)
            info = {"deploymentId": f"d-{target}EXAMPLE", "status": status}
            if error:
                info["errorInformation"] = {"code": "ALARM_ACTIVE", "message": error}
                info["rollbackInfo"] = {"rollbackDeploymentId": f"d-{current}ROLLBACK"}
            self.codedeploy.add_response(
                "get_deployment", {"deploymentInfo": info}, {"deploymentId": f"d-{target}EXAMPLE"}
            )

    def canary_stopped_by_alarm(self, current: str, target: str, alarm: str = ALARMS[0]) -> None:
        """Queue a canary to `target` that `alarm` stops at 10 %, rolled back to `current`."""
        self.deployment(
            current,
            target,
            [
                ("InProgress", lambda: None, None),
                ("InProgress", self.route(target, 0.1), None),
                ("InProgress", self.alarm(alarm), None),
                (
                    "Stopped",
                    self.settle(current),
                    f"One or more alarms have been activated: {alarm}",
                ),
            ],
        )

    # What CodeDeploy and CloudWatch do between polls.
    def route(self, target: str, weight: float):
        return lambda: self.lam.update_alias(
            FunctionName=NAMES.function("api"),
            Name="qa",
            RoutingConfig={"AdditionalVersionWeights": {target: weight}},
        )

    def settle(self, version: str):
        return lambda: ship.move_alias(self.lam, NAMES.function("api"), "qa", version)

    def alarm(self, name: str, state: str = "ALARM"):
        return lambda: self.session.client("cloudwatch").set_alarm_state(
            AlarmName=name, StateValue=state, StateReason="Threshold Crossed: test"
        )


class _Any:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __repr__(self):
        return "<ANY>"


@contextmanager
def open_stage():
    """Yield a Stage with release 1 serving; check every queued answer was used."""
    with mock_aws():
        session = boto3.session.Session(
            region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        ROLE[0] = session.client("iam").create_role(
            RoleName="shop-qa-fn", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        lam = session.client("lambda")
        for name in NAMES.functions.values():
            version = publish(lam, name, "release-1")
            lam.create_alias(FunctionName=name, Name="qa", FunctionVersion=version)
        cloudwatch = session.client("cloudwatch")
        for alarm in ALARMS:
            cloudwatch.put_metric_alarm(
                AlarmName=alarm,
                Namespace="AWS/Lambda",
                MetricName="Errors",
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
        codedeploy = session.client("codedeploy")
        invoke = release.migrate_client(session, 300)
        aws = ship.Aws(
            lambda_client=lam,
            migrate=invoke,
            codedeploy=codedeploy,
            cloudwatch=cloudwatch,
            ssm=session.client("ssm"),
        )
        with Stubber(codedeploy) as cd, Stubber(invoke) as inv:
            yield Stage(session, aws, cd, inv)
            cd.assert_no_pending_responses()
            inv.assert_no_pending_responses()


def roll_out(stage: Stage, targets: dict, out: io.StringIO) -> None:
    ship.roll_out(
        Steps(3, out=out), stage.aws, NAMES, targets, reason="test", out=out, pace=stage.pace()
    )


def rollback_that_succeeds(stage: Stage, current: str, target: str) -> None:
    """Queue CodeDeploy's all-at-once return of the api from `current` to `target`."""
    stage.deployment(
        current,
        target,
        [("InProgress", lambda: None, None), ("Succeeded", stage.settle(target), None)],
        config=canary.ALL_AT_ONCE,
    )


def canary_that_succeeds(stage: Stage, current: str, target: str) -> None:
    stage.deployment(
        current,
        target,
        [
            ("InProgress", lambda: None, None),  # the pre-traffic hook runs
            ("InProgress", stage.route(target, 0.1), None),
            ("InProgress", lambda: None, None),
            ("Succeeded", stage.settle(target), None),
        ],
    )


def shipped(
    stage: Stage, release: str, *, serving: str, schema: tuple[str, str], by: str, now=None
) -> None:
    """Deploy release N through a canary from the `serving` one, its migration taking
    the schema from schema[0] to schema[1], and record it (commit N * 40, by `by`, at `now`)."""
    targets = stage.publish_all(f"release-{release}")
    before, after = schema
    stage.migration({"before": before, "after": after, "head": after})
    canary_that_succeeds(stage, serving, release)
    roll_out(stage, targets, io.StringIO())
    ship.record(stage.aws, NAMES, commit=release * 40, by=by, keep=5, out=io.StringIO(), now=now)
