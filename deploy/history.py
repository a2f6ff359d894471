"""The releases that served, and which versions may be deleted.

A release is recorded only once every alias serves it and the smoke test
passed: stage, the version of every function, the git commit, when and who.
The last N records live as one JSON list in the SSM parameter
`/<project>/<stage>/releases` (newest first); Parameter Store keeps every
earlier value in the parameter's own history as an audit trail.

Rollback goes to the newest release older than the one the aliases serve
now (or to the newest one when they serve none, e.g. after a half-finished
deploy) that runs other versions and that no rollback left: a rollback marks
the release it leaves (`rolled_back_at`), so repeating it walks back one
release at a time instead of toggling, a rollback after the next deploy
returns to what served last rather than to the release rolled back from,
and a deploy that published nothing new (a configuration change) is not a
step to roll back to. Pruning deletes old versions but never one that an
alias (or its canary routing) or a recorded release points at, nor the
newest one, which Terraform's state names.
"""

from __future__ import annotations

import json
import time

from deploy.steps import DeployError

MAX_KEEP = 10  # 10 records of ~300 bytes fit the 4 KB of a standard parameter


def parameter_name(project: str, stage: str) -> str:
    return f"/{project}/{stage}/releases"


def load(ssm, name: str) -> list[dict]:
    """Return the recorded releases, newest first ([] before the first one)."""
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return []
    return json.loads(value)


def _stamp(now: float | None) -> str:
    """UTC time `now` (seconds since the epoch; None: the current time) as the history writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def new_release(stage: str, versions: dict[str, str], *, commit: str, by: str, now=None) -> dict:
    return {
        "stage": stage,
        "versions": dict(versions),
        "commit": commit,
        "at": _stamp(now),
        "by": by,
    }


def record(ssm, name: str, release: dict, *, keep: int) -> list[dict]:
    """Put `release` first in the history, keep the newest `keep`; return the history."""
    if not 1 <= keep <= MAX_KEEP:
        raise DeployError(f"keep_releases must be 1-{MAX_KEEP}, got {keep}")
    history = [release, *load(ssm, name)][:keep]
    ssm.put_parameter(
        Name=name,
        Value=json.dumps(history, sort_keys=True),
        Type="String",
        Overwrite=True,
        Description="Releases that served, newest first (written by make deploy)",
    )
    return history


def _serves(release: dict, serving: dict[str, str]) -> bool:
    return all(serving.get(fn) == v for fn, v in release["versions"].items())


def rollback_target(history: list[dict], serving: dict[str, str]) -> dict:
    """Return the release to go back to from what the aliases serve now."""
    here = next((i for i, r in enumerate(history) if _serves(r, serving)), -1)
    for release in history[here + 1 :]:
        if not release.get("rolled_back_at") and not _serves(release, serving):
            return release
    if here >= 0:
        release = history[here]
        raise DeployError(
            f"the aliases serve the oldest recorded release ({release['at']}, "
            f"commit {release['commit'][:7]}); there is none before it",
            hint="deploy a fixed build instead (make deploy)",
        )
    raise DeployError(
        "no release has been recorded for this stage yet",
        hint="a release is recorded by a successful make deploy; deploy one first",
    )


def mark_rolled_back(
    ssm, name: str, history: list[dict], serving: dict[str, str], *, now=None
) -> list[dict]:
    """Mark the releases of `history` (as loaded from `name`) the aliases serve now as left
    by a rollback, and store it; return the marked ones.

    Marked before traffic moves back: a rollback that stops half-way is
    retried towards the same release, never back to the one it left.
    """
    stamp = _stamp(now)
    left = [r for r in history if not r.get("rolled_back_at") and _serves(r, serving)]
    for release in left:
        release["rolled_back_at"] = stamp
    if left:
        ssm.put_parameter(
            Name=name, Value=json.dumps(history, sort_keys=True), Type="String", Overwrite=True
        )
    return left


def describe(release: dict) -> str:
    versions = ", ".join(f"{fn} {v}" for fn, v in sorted(release["versions"].items()))
    text = f"{release['at']}  commit {release['commit'][:12]}  by {release['by']}  ({versions})"
    if release.get("rolled_back_at"):
        text += f"  rolled back {release['rolled_back_at']}"
    return text


def referenced(lambda_client, function_name: str, history: list[dict], fn: str) -> set[str]:
    """Versions of one function that an alias, its routing or the history points at."""
    keep = {r["versions"][fn] for r in history if fn in r["versions"]}
    for page in lambda_client.get_paginator("list_aliases").paginate(FunctionName=function_name):
        for alias in page["Aliases"]:
            keep.add(alias["FunctionVersion"])
            keep |= set(alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {}))
    return keep


def published(lambda_client, function_name: str) -> list[str]:
    return sorted(
        (
            v["Version"]
            for page in lambda_client.get_paginator("list_versions_by_function").paginate(
                FunctionName=function_name
            )
            for v in page["Versions"]
            if v["Version"] != "$LATEST"
        ),
        key=int,
    )


def prune(lambda_client, functions: dict[str, str], history: list[dict]) -> dict[str, list[str]]:
    """Delete versions nothing points at; return the deleted versions per function.

    `functions` maps the short name (api, report, ...) to the function name.
    """
    deleted: dict[str, list[str]] = {}
    for fn, name in functions.items():
        versions = published(lambda_client, name)
        keep = referenced(lambda_client, name, history, fn) | set(versions[-1:])
        gone = [v for v in versions if v not in keep]
        for version in gone:
            lambda_client.delete_function(FunctionName=name, Qualifier=version)
        deleted[fn] = gone
    return deleted
