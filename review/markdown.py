"""The review as markdown, for a terminal and a PR comment.

Order matters: stateful destroys and replaces first (they lose data), then
the change counts, then the checks (failures with the exact address and
message), the allowed exceptions with their reasons, stale allow entries,
what each check looked at, and the summary line last.
"""

from __future__ import annotations

from review.changes import KINDS, Changes

ICONS = {"fail": "❌", "allowed": "⚠️", "pass": "✅", "n/a": "➖"}


def render(report) -> str:
    lines = [f"## Terraform plan review: {report.stage}", ""]
    plan = report.plan
    state = (
        "first plan (empty state: IDs and ARNs are known after apply)"
        if plan.first_plan
        else "plan against existing state"
    )
    version = plan.data.get("terraform_version", "?")
    lines.append(f"Plan `{report.source}` · Terraform {version} · {state}")
    lines += ["", *_stateful(report.changes), *_counts(report.changes), *_checks(report)]
    lines += [*_findings(report), *_allowed(report), *_stale(report), *_evidence(report)]
    lines += ["", report.summary]
    return "\n".join(lines)


def _stateful(changes: Changes) -> list[str]:
    lines = ["### Stateful resources destroyed or replaced", ""]
    if not changes.stateful:
        return lines + ["None: no database, bucket or log group is destroyed or replaced.", ""]
    lines += ["| | resource | what | |", "|---|---|---|---|"]
    for change in changes.stateful:
        lines.append(
            f"| 🛑 **{change.kind}** | `{change.address}` | {change.what} | {change.reason} |"
        )
    return lines + [""]


def _counts(changes: Changes) -> list[str]:
    total = ", ".join(f"{changes.totals.get(k, 0)} to {k}" for k in KINDS)
    lines = ["### Changes", "", total, ""]
    if not changes.by_module:
        return lines
    lines += ["| module | " + " | ".join(KINDS) + " |", "|---" * (len(KINDS) + 1) + "|"]
    for module, counts in changes.by_module.items():
        lines.append(f"| `{module}` | " + " | ".join(str(counts.get(k, 0)) for k in KINDS) + " |")
    return lines + [""]


def _checks(report) -> list[str]:
    lines = ["### Checks", "", "| | check | result | why it matters |", "|---|---|---|---|"]
    for result in report.results:
        status = result.status
        shown = status
        if status == "fail":
            shown = f"**fail** ({len(result.failed)})"
        elif status == "n/a":
            shown = f"n/a: {result.scope}"
        lines.append(
            f"| {ICONS[status]} | `{result.check.id}` {result.check.title} | {shown} | "
            f"{result.check.rationale} |"
        )
    return lines + [""]


def _findings(report) -> list[str]:
    failed = [f for r in report.results for f in r.failed]
    return _section("Failures", [f"- ❌ `{f.check}` at `{f.address}`: {f.text}" for f in failed])


def _allowed(report) -> list[str]:
    allowed = [f for r in report.results for f in r.allowed]
    return _section(
        "Allowed exceptions",
        [
            f"- ⚠️ `{f.check}` at `{f.address}`: {f.text}  \n"
            f"  allowed ({f.allowed_by.source}): {f.allowed_by.reason}"
            for f in allowed
        ],
    )


def _stale(report) -> list[str]:
    return _section(
        "Stale allow entries",
        [
            f"- ❌ `{a.check}:{a.address}` ({a.source}) matches no finding of "
            f"{report.stage}: remove it"
            for a in report.stale
        ],
    )


def _section(title: str, items: list[str]) -> list[str]:
    """A `### title` list of `items`; nothing at all when there are none."""
    return [f"### {title}", "", *items, ""] if items else []


def _evidence(report) -> list[str]:
    lines = ["<details><summary>What each check looked at</summary>", ""]
    for result in report.results:
        if result.evidence:
            lines.append(f"- `{result.check.id}`")
            lines += [f"  - {item}" for item in result.evidence]
    return lines + ["", "</details>"]
