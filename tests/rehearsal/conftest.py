"""The rehearsal tier: real terraform applies against local moto servers.

Each test module names the rehearsal it reads (`REHEARSAL = "qa"`); every
rehearsal the collected modules need starts at once, as its own process with
its own moto, so they overlap: most of a rehearsal is waiting on moto's
simulated RDS and CloudFront. The Lambda packages are built once before
them (the rehearsals then run with --no-build, so no two write build/ at
the same time). What each runs is ARGS below; docs/infra-verification.md
says why.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Rehearsal -> its arguments. qa is applied and destroyed twice: it keeps a
# final snapshot and its site bucket is not force-destroyed, so the second
# cycle meets what the first left behind. The re-runs (an unchanged and a
# changed build) prove the build, which is the same in every stage: dev
# runs them, qa and prod skip them to keep make test within CI's time.
ARGS = {
    "dev": ["--no-build"],
    "qa": ["--no-build", "--cycles", "2", "--skip-rerun"],
    "prod": ["--no-build", "--skip-rerun"],
    "bootstrap": [],
}


def pytest_configure(config):
    # Registered here until pyproject.toml lists it with the other markers.
    config.addinivalue_line(
        "markers", "rehearsal: applies a stage to a local moto server (minutes)"
    )


class Rehearsals:
    """The rehearsal processes of this session, started together."""

    def __init__(self, names: list[str]):
        self.runs: dict[str, tuple[subprocess.Popen, Path]] = {}
        if any(n != "bootstrap" for n in names):
            build = subprocess.run(
                [sys.executable, str(ROOT / "build.py")], capture_output=True, text=True
            )
            assert build.returncode == 0, build.stderr[-4000:]
        for name in names:
            log = ROOT / "build" / "tf-rehearsal" / f"{name}.out"
            log.parent.mkdir(parents=True, exist_ok=True)
            (ROOT / "build" / "tf-rehearsal" / name / "report.json").unlink(missing_ok=True)
            args = ["--env", name, *ARGS[name]]
            with log.open("w") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "deploy", "rehearse", *args],
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    start_new_session=True,  # its moto server goes with it on stop()
                )
            self.runs[name] = (process, log)

    def result(self, name: str) -> tuple[str, dict]:
        """Wait for one rehearsal; return its output and report (fails with its log's tail)."""
        process, log = self.runs[name]
        process.wait(timeout=1500)
        out = log.read_text()
        assert process.returncode == 0, f"rehearsal of {name} failed:\n{out[-6000:]}"
        report = json.loads((ROOT / "build" / "tf-rehearsal" / name / "report.json").read_text())
        print(f"\nrehearsal of {name}: {report.get('resources')} resources, {report['seconds']}")
        return out, report

    def stop(self) -> None:
        for process, _ in self.runs.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)


@pytest.fixture(scope="session")
def rehearsals(request):
    names = sorted(
        {
            item.module.REHEARSAL
            for item in request.session.items
            if hasattr(item.module, "REHEARSAL")
        }
    )
    runs = Rehearsals(names)
    yield runs
    runs.stop()


@pytest.fixture(scope="module")
def rehearsal(request, rehearsals) -> tuple[str, dict]:
    """The output and report of the rehearsal the test module names in `REHEARSAL`."""
    return rehearsals.result(request.module.REHEARSAL)


def facts(report: dict) -> dict[str, object]:
    return {c["fact"]: c["value"] for c in report["checks"]}


def steps(out: str) -> list[str]:
    """Return the rehearsal's steps, in the order its output announced them."""
    return [line.split("] ", 1)[1] for line in out.splitlines() if line.startswith("==> [")]
