"""What the plan changes: counts per module and the stateful resources it destroys or replaces.

Counting follows deploy.terraform.change_counts (create, update, replace,
destroy; reads and no-ops are not changes). A stateful resource holds data
that a destroy or replace loses: databases, buckets, log groups, tables,
file systems, secrets and keys. Those are listed first in the review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from review.plan import Plan

KINDS = ("create", "update", "replace", "destroy")
STATEFUL = {
    "aws_db_instance": "database",
    "aws_rds_cluster": "database",
    "aws_rds_cluster_instance": "database",
    "aws_s3_bucket": "bucket",
    "aws_cloudwatch_log_group": "log group",
    "aws_dynamodb_table": "table",
    "aws_efs_file_system": "file system",
    "aws_secretsmanager_secret": "secret",
    "aws_kms_key": "key",
    "aws_ebs_volume": "volume",
}


def kind_of(actions: list[str]) -> str | None:
    if actions == ["create"]:
        return "create"
    if actions == ["update"]:
        return "update"
    if actions == ["delete"]:
        return "destroy"
    if set(actions) == {"create", "delete"}:
        return "replace"
    return None


@dataclass
class StatefulChange:
    address: str
    what: str
    kind: str
    reason: str


@dataclass
class Changes:
    totals: Counter
    by_module: dict[str, Counter]
    stateful: list[StatefulChange]


def summarise(plan: Plan) -> Changes:
    totals: Counter = Counter()
    by_module: dict[str, Counter] = {}
    stateful = []
    for resource in plan.resources:
        kind = kind_of(resource.actions)
        if kind is None:
            continue
        totals[kind] += 1
        by_module.setdefault(resource.module or "(root)", Counter())[kind] += 1
        if kind in ("destroy", "replace") and resource.type in STATEFUL:
            paths = [".".join(map(str, p)) for p in resource.replace_paths]
            reason = f"forced by {', '.join(paths)}" if paths else ""
            stateful.append(StatefulChange(resource.address, STATEFUL[resource.type], kind, reason))
    return Changes(totals, dict(sorted(by_module.items())), stateful)
