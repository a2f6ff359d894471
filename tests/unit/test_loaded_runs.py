"""`make test-loaded` records a run from its JUnit reports and load samples."""

import json
import subprocess

from docs import figures_runs
from tests.support import loaded

MAIN = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="0" skipped="1" tests="5" time="2840.7">
<testcase classname="tests.scan.s" name="test_rows" time="404.0"><error message="x"/></testcase>
<testcase classname="tests.unit.a" name="test_1" time="1.5"/>
<testcase classname="tests.unit.a" name="test_2" time="0.1"/>
<testcase classname="tests.unit.a" name="test_3" time="0.2"><skipped/></testcase>
<testcase classname="tests.unit.a" name="test_4" time="9.0"/>
</testsuite></testsuites>
"""


def test_a_tier_counts_passed_failed_and_its_slowest_tests(tmp_path):
    report = tmp_path / "main.xml"
    report.write_text(MAIN)
    counts = loaded.tier_counts(report)
    assert (counts["passed"], counts["errors"], counts["skipped"]) == (3, 1, 1)
    assert [s["seconds"] for s in counts["slowest"]] == [404.0, 9.0, 1.5]
    assert loaded.tier_counts(tmp_path / "missing.xml") == {"finished": False}


def test_a_recorded_failed_run_renders_as_failed(tmp_path, monkeypatch):
    clone = tmp_path / "clone"
    (clone / "build").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(clone),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    (clone / "build" / "test-main.xml").write_text(MAIN)
    samples = tmp_path / "load.txt"
    samples.write_text("03:00:00 10.0 9.0 8.0\n03:00:30 30.0 12.0 9.0\n")
    results = tmp_path / "loaded.json"
    monkeypatch.setattr(loaded, "RESULTS", results)
    monkeypatch.setattr(figures_runs, "LOADED", results)
    run = loaded.record(clone, samples, 1, 3000, 2)
    assert run["load_1m"] == {"samples": 2, "mean": 20.0, "max": 30.0}
    assert run["rehearsal"] == {"finished": False}
    assert json.loads(results.read_text())["runs"] == [run]
    table = figures_runs.loaded_runs()
    assert "FAILED in 50 min" in table
    assert "3 passed, 1 failed or errored" in table
    assert "did not finish" in table
    assert "0 of 1 recorded loaded runs passed." in table


def test_ci_runs_as_from_no_make(monkeypatch):
    monkeypatch.setenv("MAKEFLAGS", "w -- ")
    monkeypatch.setenv("MAKELEVEL", "1")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = loaded.ci_env()
    assert "MAKEFLAGS" not in env and "MAKELEVEL" not in env
    assert env["PATH"] == "/usr/bin"
