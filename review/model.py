"""Checks, their findings and results: the vocabulary every other module shares.

A check is a function of a `Context` that records into an `Outcome`:
`fail(address, message)` for a broken rule, `cannot_verify(address, why)`
when the fact it needs is absent or unknown (that is a failure too, unless
allowed), `saw(...)` for what it actually looked at, or `not_applicable(why)`
when the rule is explicitly scoped away (e.g. prod-only rules on qa).

A check that records neither a finding, nor evidence, nor a scope is
turned into a "cannot verify" failure by `run_check`: no check passes
vacuously.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    rationale: str
    func: Callable


REGISTRY: dict[str, Check] = {}


def check(id: str):
    """Register a check function under `id`.

    Its docstring is what the review shows of it: the first paragraph is its
    title, the second the lesson it guards.
    """

    def register(func):
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        title, rationale = _title_and_rationale(func)
        REGISTRY[id] = Check(id, title, rationale, func)
        return func

    return register


def _title_and_rationale(func) -> tuple[str, str]:
    paragraphs = inspect.cleandoc(func.__doc__ or "").split("\n\n")
    if len(paragraphs) != 2:
        raise ValueError(f"{func.__name__}: the docstring needs a title and a rationale paragraph")
    title, rationale = (" ".join(p.split()) for p in paragraphs)
    return title, rationale


@dataclass(frozen=True)
class Allow:
    """A reviewed exception: this check may fail at this address of this stage, because..."""

    check: str
    address: str
    reason: str
    source: str
    stages: tuple[str, ...] | None = None  # None: every stage

    def applies_to(self, stage: str) -> bool:
        return self.stages is None or stage in self.stages


@dataclass
class Finding:
    check: str
    address: str
    message: str
    unverifiable: bool = False
    allowed_by: Allow | None = None

    @property
    def text(self) -> str:
        return f"cannot verify: {self.message}" if self.unverifiable else self.message


class Outcome:
    """What one check recorded while it ran."""

    def __init__(self, check_id: str):
        self.check_id = check_id
        self.findings: list[Finding] = []
        self.evidence: list[str] = []
        self.scope: str | None = None

    def fail(self, address: str, message: str) -> None:
        self.findings.append(Finding(self.check_id, address, message))

    def cannot_verify(self, address: str, why: str) -> None:
        self.findings.append(Finding(self.check_id, address, why, unverifiable=True))

    def saw(self, text: str) -> None:
        self.evidence.append(text)

    def not_applicable(self, why: str) -> None:
        self.scope = why


@dataclass
class CheckResult:
    check: Check
    findings: list[Finding] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    scope: str | None = None

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.allowed_by is None]

    @property
    def allowed(self) -> list[Finding]:
        return [f for f in self.findings if f.allowed_by is not None]

    @property
    def status(self) -> str:
        """fail, allowed (every finding allowed), pass, or n/a."""
        if self.failed:
            return "fail"
        if self.findings:
            return "allowed"
        return "n/a" if self.scope and not self.evidence else "pass"


def run_check(check_: Check, context) -> CheckResult:
    outcome = Outcome(check_.id)
    check_.func(context, outcome)
    if not (outcome.findings or outcome.evidence or outcome.scope):
        outcome.cannot_verify("(plan)", "the check found nothing in the plan to look at")
    return CheckResult(check_, outcome.findings, outcome.evidence, outcome.scope)
