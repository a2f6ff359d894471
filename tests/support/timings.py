"""How long each test tier took, for the docs: a pytest plugin (tests/conftest.py).

When a session runs every test file of a tier the docs quote (TIMED), the
tier's wall time (first test started to last test ended, fixtures included),
and its outcome counts are merged into build/tiers/timings.json, with the
step timings a harness noted (each `terraform plan` of tests/infra's:
`note("terraform plan", seconds)`). `make test` adds its own wall time, read
from the JUnit reports of its two side-by-side sessions
(`python -m tests.support.timings make-test build/test-main.xml
build/test-rehearsal.xml`). `make docs` copies that file into
docs/results/tiers.json when it is newer and renders the durations the docs
quote from it. A session that ran part of a tier records nothing for it, so a
single test file never passes for the whole tier.
"""

import json
import os
import statistics
import sys
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
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


def _when() -> dict:
    return {
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cores": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 1)},
    }


def _merge(update) -> None:
    merged = json.loads(OUT.read_text()) if OUT.is_file() else {}
    update(merged)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")


def pytest_sessionfinish(session, exitstatus):
    tiers = _whole_tiers(session) & set(_spans) & set(TIMED)
    if tiers:
        _merge(lambda merged: _add_tiers(merged, tiers))


def _add_tiers(merged: dict, tiers: set[str]) -> None:
    when = _when()
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


COUNTS = ("tests", "failures", "errors", "skipped")


def make_test_run(reports: list[Path]) -> dict:
    """`make test`'s wall time and counts from its sessions' JUnit reports.

    The sessions run side by side: the run starts with the first to start and
    ends with the last to end (each suite's `timestamp` plus its `time`).
    """
    starts, ends, counts = [], [], dict.fromkeys(COUNTS, 0)
    for report in reports:
        root = ET.parse(report).getroot()
        for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
            start = datetime.fromisoformat(suite.get("timestamp"))
            starts.append(start)
            ends.append(start + timedelta(seconds=float(suite.get("time"))))
            for key in COUNTS:
                counts[key] += int(suite.get(key) or 0)
    if not starts:
        raise ValueError(f"no test suite in {', '.join(map(str, reports))}")
    return {
        "seconds": round((max(ends) - min(starts)).total_seconds(), 1),
        "passed": counts["failures"] == 0 and counts["errors"] == 0,
        **counts,
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "make-test":
        print(
            "usage: python -m tests.support.timings make-test REPORT.xml [REPORT.xml ...]",
            file=sys.stderr,
        )
        return 2
    reports = [Path(arg) for arg in argv[1:]]
    if missing := [str(p) for p in reports if not p.is_file()]:
        print(
            f"timings: no report at {', '.join(missing)}; make test's time not recorded",
            file=sys.stderr,
        )
        return 0
    run = {**make_test_run(reports), **_when()}
    _merge(lambda merged: merged.__setitem__("make_test", run))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
