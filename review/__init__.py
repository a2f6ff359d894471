"""Review a Terraform plan JSON against the serverless lessons, before anything is applied.

`run(plan_json, stage)` returns a `Report`: the changes (stateful destroys
and replaces first), every registered check's result with the exact
address at fault, and a markdown rendering. `python -m review` is its CLI;
`make review ENV=<stage>` and `make review-all` drive it.

The reviewer reads plans only: it never runs Terraform or calls AWS, and
it never edits the allowlist. On a first plan (empty state) many values
are known only after apply; each check says what it could see (see
docs/review.md), and what it cannot see is a failure unless a reviewed
allow entry says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from review import allow as allowlist
from review import checks  # noqa: F401  (registers the checks)
from review.allow import AllowError
from review.changes import Changes, summarise
from review.context import Context
from review.markdown import render
from review.model import REGISTRY, Allow, CheckResult, run_check
from review.plan import Plan

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ALLOW_FILE = REPO / "envs" / "review-allow.yaml"
STAGES = ("dev", "qa", "prod")

__all__ = ["DEFAULT_ALLOW_FILE", "AllowError", "Report", "ReviewError", "run"]


class ReviewError(ValueError):
    """The plan or the request cannot be reviewed (not a plan, wrong stage, bad allowlist)."""


@dataclass
class Report:
    stage: str
    source: str
    plan: Plan
    changes: Changes
    results: list[CheckResult]
    stale: list[Allow] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "fail"]

    @property
    def allowed_count(self) -> int:
        return sum(len(r.allowed) for r in self.results)

    @property
    def ok(self) -> bool:
        """True when no check failed and no allow entry is stale."""
        return not self.failed and not self.stale

    @property
    def summary(self) -> str:
        line = (
            f"review: {len(self.results)} checks, {len(self.failed)} failed, "
            f"{self.allowed_count} allowed"
        )
        not_applicable = sum(r.status == "n/a" for r in self.results)
        if not_applicable:
            line += f", {not_applicable} not applicable to {self.stage}"
        if self.stale:
            line += f", {len(self.stale)} stale allow entr{'y' if len(self.stale) == 1 else 'ies'}"
        return line

    @property
    def markdown(self) -> str:
        return render(self)


def run(
    plan_json: dict,
    stage: str,
    *,
    allow_files: list[Path] | None = None,
    allows: list[Allow] = (),
    contract: Path | None = None,
    source: str = "(in memory)",
) -> Report:
    """Review a plan (the dict `terraform show -json` prints) for `stage`; return a Report.

    allow_files default to envs/review-allow.yaml when it exists. Raises
    ReviewError when the input is not a plan, the plan is another stage's,
    or an allow entry is malformed.
    """
    if stage not in STAGES:
        raise ReviewError(f"unknown stage {stage!r}: expected one of {', '.join(STAGES)}")
    try:
        plan = Plan(plan_json)
    except ValueError as exc:
        raise ReviewError(f"{source}: {exc}") from exc
    planned_stage = plan.variable("stage")
    if planned_stage not in (None, stage):
        raise ReviewError(f"{source} is a plan of stage {planned_stage}, not {stage}")
    if allow_files is None:
        allow_files = [DEFAULT_ALLOW_FILE] if DEFAULT_ALLOW_FILE.is_file() else []
    entries = list(allows)
    try:
        for path in allow_files:
            entries += allowlist.load(Path(path))
    except AllowError as exc:
        raise ReviewError(str(exc)) from exc
    context = Context(plan, stage, REPO, contract)
    results = [run_check(check, context) for check in REGISTRY.values()]
    stale = allowlist.apply([f for r in results for f in r.findings], entries, stage)
    return Report(stage, source, plan, summarise(plan), results, stale)
