"""What a refresh-only plan found: the live stage against the recorded state.

`make drift ENV=qa` runs `terraform plan -refresh-only`; Terraform lists
every resource whose live object differs from the state under
`resource_drift`. This turns that list into a short report a person reads
(one line per resource: what happened, and which top-level attributes
differ) and says whether anything drifted; the command exits 2 when it did,
like `terraform plan -detailed-exitcode`.
"""

from __future__ import annotations

from dataclasses import dataclass

VERBS = {"update": "changed outside Terraform", "delete": "deleted outside Terraform"}


@dataclass
class Summary:
    drifted: bool
    text: str


def changed_attributes(before: dict | None, after: dict | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def summarise(plan: dict, *, limit: int = 6) -> Summary:
    """Return the drift summary of a refresh-only plan's JSON (`terraform show -json`)."""
    lines = []
    for entry in plan.get("resource_drift", []):
        change = entry["change"]
        actions = change["actions"]
        verb = VERBS.get(actions[-1], "/".join(actions))
        attrs = changed_attributes(change.get("before"), change.get("after"))
        shown = ", ".join(attrs[:limit]) + (
            f" (+{len(attrs) - limit} more)" if attrs[limit:] else ""
        )
        lines.append(
            f"  ~ {entry['address']}: {verb}"
            + (f" [{shown}]" if attrs and actions != ["delete"] else "")
        )
    if not lines:
        return Summary(False, "no drift: the live stage matches the Terraform state")
    head = f"drift: {len(lines)} resource{'s' if len(lines) != 1 else ''} differ from the state"
    tail = (
        "next: if the change was intended, put it in the code and deploy; "
        "otherwise make deploy puts the code's values back"
    )
    return Summary(True, "\n".join([head, *lines, tail]))
