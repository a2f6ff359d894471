"""A release after `terraform apply`: schema first, then traffic, then the record.

Terraform publishes the new versions but moves no alias (the function
module leaves the alias's version to the deploy), so after an apply every
caller still runs the old code. Then, in this order:

1. the migrate alias moves to its new version and the migrations run, while
   every serving alias still points at the old code; migrations are
   expand/contract, so the old code keeps working on the new schema. A
   failed migration stops here: the migrate alias goes back, nothing else
   moved;
2. the api alias moves through CodeDeploy (canary or linear per stage,
   pre-traffic hook, alarms, automatic rollback), followed to the end; a
   rollback stops here with the old api serving;
3. the report and warmer aliases move (they take no canary: schedules, not
   user traffic);
4. after the smoke test, the release is recorded (deploy/history.py) and
   old versions nothing points at are pruned.

`make rollback` takes the same path back (api through CodeDeploy with its
hook and alarms, all at once since that code already served; the others
directly) to the last release that served before the one serving now
(deploy/history.py says which).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

from deploy import canary, history, release
from deploy.steps import DeployError, Steps

FUNCTIONS = ("api", "report", "migrate", "warmer")
DIRECT = ("report", "warmer", "migrate")  # moved without a canary, after the api


@dataclass
class Aws:
    """The clients a release needs; `migrate` is the long-wait, never-retrying one."""

    lambda_client: object
    migrate: object
    codedeploy: object
    cloudwatch: object
    ssm: object

    @classmethod
    def from_session(cls, session, migrate_timeout_s: int) -> Aws:
        return cls(
            lambda_client=session.client("lambda"),
            migrate=release.migrate_client(session, migrate_timeout_s),
            codedeploy=session.client("codedeploy"),
            cloudwatch=session.client("cloudwatch"),
            ssm=session.client("ssm"),
        )


@dataclass(frozen=True)
class Names:
    """Names the stage's release machinery has (set by terraform/modules/release)."""

    project: str
    stage: str

    def function(self, fn: str) -> str:
        return f"{self.project}-{self.stage}-{fn}"

    @property
    def functions(self) -> dict[str, str]:
        return {fn: self.function(fn) for fn in FUNCTIONS}

    @property
    def application(self) -> str:
        return f"{self.project}-{self.stage}-release"

    @property
    def group(self) -> str:
        return f"{self.project}-{self.stage}-api"

    @property
    def hook(self) -> str:
        return f"{self.project}-{self.stage}-pretraffic"

    @property
    def history(self) -> str:
        return history.parameter_name(self.project, self.stage)


def serving(lambda_client, names: Names) -> dict[str, str]:
    """Return the version each stage alias points at now."""
    return {
        fn: lambda_client.get_alias(FunctionName=name, Name=names.stage)["FunctionVersion"]
        for fn, name in names.functions.items()
    }


def move_alias(lambda_client, name: str, alias: str, target: str) -> str:
    """Point `alias` at `target` (no routing left over); return the version it had."""
    before = lambda_client.get_alias(FunctionName=name, Name=alias)["FunctionVersion"]
    lambda_client.update_alias(
        FunctionName=name,
        Name=alias,
        FunctionVersion=target,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    return before


def migrate(aws: Aws, names: Names, target: str, *, out=sys.stdout) -> dict:
    """Move the migrate alias to `target` and run the migrations; serving aliases stay."""
    name = names.function("migrate")
    before = move_alias(aws.lambda_client, name, names.stage, target)
    try:
        result = release.run_migrations(aws.migrate, f"{name}:{names.stage}")
    except DeployError as exc:
        move_alias(aws.lambda_client, name, names.stage, before)
        raise DeployError(
            f"{exc.message}\n       traffic was not moved: every serving alias still runs "
            f"the old version (migrate is back at version {before})",
            hint=exc.hint,
        ) from exc
    print(
        f"    migrate {before} -> {target}: schema {result.get('before')} -> {result.get('after')}",
        file=out,
    )
    return result


def api_group(aws: Aws, names: Names) -> canary.Group:
    group = canary.read_group(aws.codedeploy, names.application, names.group)
    return replace(group, hook=names.hook)


def roll_out(
    steps: Steps,
    aws: Aws,
    names: Names,
    targets: dict[str, str],
    *,
    reason: str,
    out=sys.stdout,
    pace: canary.Pace = canary.REAL_TIME,
) -> None:
    """Schema first, then the api through CodeDeploy, then the other aliases."""
    with steps.step("migrate: new migrate version runs the migrations, no serving alias moved"):
        migrate(aws, names, targets["migrate"], out=out)
    shift_and_move(steps, aws, names, targets, reason=reason, out=out, pace=pace)


def shift_and_move(steps, aws, names, targets, *, reason, out, pace, config=None) -> None:
    group = api_group(aws, names)
    if config and config != group.config:
        group = replace(group, config=config, override=True)
    with steps.step(f"shift api traffic through CodeDeploy ({group.config})"):
        move = canary.Move(
            aws.codedeploy,
            aws.lambda_client,
            aws.cloudwatch,
            function_name=names.function("api"),
            alias=names.stage,
            target=targets["api"],
        )
        canary.shift(group, move, reason=reason, out=out, pace=pace)
    with steps.step("move the report, warmer and migrate aliases"):
        for fn in DIRECT:
            before = move_alias(aws.lambda_client, names.function(fn), names.stage, targets[fn])
            print(f"    {names.function(fn)}:{names.stage} {before} -> {targets[fn]}", file=out)


def record(
    aws: Aws, names: Names, *, commit: str, by: str, keep: int, out=sys.stdout, now=None
) -> dict:
    """Record what serves now as a release and prune unreferenced versions; return it."""
    served = serving(aws.lambda_client, names)
    entry = history.new_release(names.stage, served, commit=commit, by=by, now=now)
    kept = history.record(aws.ssm, names.history, entry, keep=keep)
    print(f"    release {history.describe(entry)}", file=out)
    deleted = history.prune(aws.lambda_client, names.functions, kept)
    pruned = ", ".join(f"{fn} {' '.join(v)}" for fn, v in deleted.items() if v) or "nothing"
    print(
        f"    pruned: {pruned} (kept: the versions of the last {len(kept)} release(s), "
        "what an alias points at, the newest)",
        file=out,
    )
    return entry


def roll_back(
    steps: Steps,
    aws: Aws,
    names: Names,
    *,
    out=sys.stdout,
    pace: canary.Pace = canary.REAL_TIME,
) -> dict:
    """Return every alias to the last release that served before the current one; return it."""
    with steps.step(f"find the last release that served before the current one ({names.history})"):
        now = serving(aws.lambda_client, names)
        recorded = history.load(aws.ssm, names.history)
        target = history.rollback_target(recorded, now)
        print(f"    serving now: {', '.join(f'{fn} {v}' for fn, v in now.items())}", file=out)
        print(f"    back to:     {history.describe(target)}", file=out)
        for left in history.mark_rolled_back(aws.ssm, names.history, recorded, now):
            print(f"    leaving:     commit {left['commit'][:12]} of {left['at']}", file=out)
    shift_and_move(
        steps,
        aws,
        names,
        target["versions"],
        reason=f"rollback to commit {target['commit'][:12]}",
        out=out,
        pace=pace,
        # Back to code that already served: all at once, still behind the
        # hook and the alarms.
        config=canary.ALL_AT_ONCE,
    )
    return target
