"""How long each test tier took, for the docs: a pytest plugin (tests/conftest.py).

When a session runs every test file of a tier the docs quote (TIMED), the
tier's wall time (first test started to last test ended, fixtures included),
and its outcome counts are merged into build/tiers/timings.json, with the
step timings a harness noted (each `terraform plan` of tests/infra's:
`note("terraform plan", seconds)`). `make docs` copies that file into
docs/results/tiers.json when it is newer and renders the durations the docs
quote from it. A session that ran part of a tier records nothing for it, so a
single test file never passes for the whole tier.
"""

import json
import os
import statistics
import threading
from datetime import UTC, datetime
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
OUT = TESTS.parent / "build" / "tiers" / "timings.json"
TIMED = ("infra", "review", "scan")  # the tiers whose durations the docs quote

_lock = threading.Lock()
_steps: dict[str, list[float]] = {}  # step -> seconds, whichever tier ran it
_spans: dict[str, list[float]] = {}  # tier -> [first start, last stop]
_outcomes: dict[str, dict[str, int]] = {}


def tier_of(path: Path) -> str | None:
    try:
        return path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return None


def note(step: str, seconds: float) -> None:
    """Remember one timing of `step` (thread-safe: plans run in a pool)."""
    with _lock:
        _steps.setdefault(step, []).append(seconds)


def pytest_runtest_logreport(report):
    tier = tier_of(Path(report.fspath))
    if tier is None:
        return
    span = _spans.setdefault(tier, [report.start, report.stop])
    span[0], span[1] = min(span[0], report.start), max(span[1], report.stop)
    if report.when == "call" or report.outcome != "passed":
        counts = _outcomes.setdefault(tier, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def _whole_tiers(session) -> set[str]:
    """The tiers of which the session ran every test file."""
    ran: dict[str, set[str]] = {}
    for item in session.items:
        if tier := tier_of(Path(item.path)):
            ran.setdefault(tier, set()).add(Path(item.path).name)
    return {
        tier
        for tier, files in ran.items()
        if files == {p.name for p in (TESTS / tier).glob("test_*.py")}
    }


def pytest_sessionfinish(session, exitstatus):
    tiers = _whole_tiers(session) & set(_spans) & set(TIMED)
    if not tiers:
        return
    merged = json.loads(OUT.read_text()) if OUT.is_file() else {}
    when = {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cores": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 1)},
    }
    for tier in sorted(tiers):
        merged.setdefault("tiers", {})[tier] = {
            "seconds": round(_spans[tier][1] - _spans[tier][0], 1),
            **_outcomes.get(tier, {}),
            **when,
        }
    for step, values in sorted(_steps.items()):
        merged.setdefault("steps", {})[step] = {
            "count": len(values),
            "median_s": round(statistics.median(values), 2),
            "max_s": round(max(values), 2),
            **when,
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
