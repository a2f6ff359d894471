"""What a refresh-only plan found: the live stage against the recorded state.

`make drift ENV=qa` runs `terraform plan -refresh-only`; Terraform lists
every resource whose live object differs from the state under
`resource_drift`. This turns that list into a short report a person reads
(one line per resource: what happened, and which top-level attributes
differ) and says whether anything drifted; the command exits 2 when it did,
like `terraform plan -detailed-exitcode`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

VERBS = {"update": "changed outside Terraform", "delete": "deleted outside Terraform"}
DRIFTED = 2  # the command's exit code when the live stage differs


@dataclass
class Summary:
    drifted: bool
    text: str


EMPTY = (None, {}, [], "")


def changed_attributes(before: dict | None, after: dict | None) -> list[str]:
    """Top-level attributes that differ; null and empty count as the same (a refresh
    often reads back `{}` where the state holds null, which is no change at all)."""
    before, after = before or {}, after or {}

    def same(key):
        old, new = before.get(key), after.get(key)
        return old == new or (old in EMPTY and new in EMPTY)

    return sorted(k for k in set(before) | set(after) if not same(k))


def summarise(plan: dict, *, limit: int = 6) -> Summary:
    """Return the drift summary of a refresh-only plan's JSON (`terraform show -json`)."""
    lines = []
    for entry in plan.get("resource_drift", []):
        change = entry["change"]
        actions = change["actions"]
        verb = VERBS.get(actions[-1], "/".join(actions))
        attrs = changed_attributes(change.get("before"), change.get("after"))
        if actions == ["update"] and not attrs:
            continue  # only null-versus-empty noise
        shown = ", ".join(attrs[:limit]) + (
            f" (+{len(attrs) - limit} more)" if attrs[limit:] else ""
        )
        lines.append(
            f"  ~ {entry['address']}: {verb}"
            + (f" [{shown}]" if attrs and actions != ["delete"] else "")
        )
    if not lines:
        return Summary(False, "no drift: the live stage matches the Terraform state")
    many = len(lines) != 1
    head = f"drift: {len(lines)} resource{'s differ' if many else ' differs'} from the state"
    tail = (
        "next: if the change was intended, put it in the code and deploy; "
        "otherwise make deploy puts the code's values back"
    )
    return Summary(True, "\n".join([head, *lines, tail]))


def check(stack, steps, *, out=sys.stdout) -> int:
    """Run the stage's refresh-only plan and print its summary; return the exit code:
    DRIFTED when the live stage differs from the state, else 0."""
    with steps.step("terraform plan -refresh-only: does the live stage match the state?"):
        planned = stack.plan(refresh_only=True)
    summary = summarise(planned)
    print(summary.text, file=out)
    return DRIFTED if summary.drifted else 0
