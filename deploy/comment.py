"""The pull request's plan review: one Markdown comment for every stage.

`python -m deploy pr-comment` reads the offline plans CI made
(build/plans/<stage>.offline.json), reviews each one (review/, the same
checks `make deploy` runs) and writes one comment body: a table of what
each stage would create, update, replace and destroy with its review
verdict, then each stage's review folded below. A hidden marker on the
first line lets the workflow find its own comment and update it in place,
so a pull request carries one review, not one per push.

The workflow only posts the file; what the comment says is decided here,
where a test runs it on a real plan.
"""

from __future__ import annotations

from pathlib import Path

from deploy.terraform import PLANS, change_counts

MARKER = "<!-- shop-plan-review -->"
# GitHub refuses comment bodies over 65,536 characters.
LIMIT = 65_000
STAGES = ("dev", "qa", "prod")


def review_stage(stage: str, plans: Path = PLANS):
    """Return (counts, report) for the stage's offline plan, or None when there is none."""
    import json

    import review

    path = plans / f"{stage}.offline.json"
    if not path.exists():
        return None
    planned = json.loads(path.read_text())
    report = review.run(planned, stage, source=str(path.name))
    return change_counts(planned), report


def render(results: dict, *, commit: str, run_url: str = "") -> str:
    """Return the comment body; `results` maps stage -> (counts, report) or None."""
    head = [
        MARKER,
        "## Terraform plan review",
        "",
        f"Offline plan of every stage at `{commit[:12]}`"
        + (f" ([run]({run_url}))" if run_url else "")
        + ": no AWS account was used, so the plan shows the code's full stage.",
        "",
        "| stage | create | update | replace | destroy | review |",
        "|---|---:|---:|---:|---:|---|",
    ]
    sections = []
    for stage in STAGES:
        result = results.get(stage)
        if result is None:
            head.append(f"| {stage} | – | – | – | – | no plan: it failed, see the job log |")
            continue
        counts, report = result
        verdict = ("✅ " if report.ok else "❌ ") + report.summary
        head.append(
            f"| {stage} | {counts['create']} | {counts['update']} | {counts['replace']} "
            f"| {counts['destroy']} | {verdict} |"
        )
        sections.append((stage, report.markdown.strip()))
    body = "\n".join(head) + "\n"
    room = LIMIT - len(body) - 200 * len(sections)
    for stage, text in sections:
        share = max(room // max(len(sections), 1), 500)
        if len(text) > share:
            text = text[:share].rsplit("\n", 1)[0] + (
                f"\n\n… cut to fit a comment; the full review is `build/plans/{stage}"
                ".offline.review.md` in the job's artifact."
            )
        body += f"\n<details><summary>{stage}: review</summary>\n\n{text}\n\n</details>\n"
    return body


def write(out: Path, *, commit: str, run_url: str = "", plans: Path = PLANS) -> str:
    body = render({s: review_stage(s, plans) for s in STAGES}, commit=commit, run_url=run_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body)
    return body
