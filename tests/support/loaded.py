"""`make test` on a loaded machine: run it from a fresh clone with busy CPUs beside it.

    python -m tests.support.loaded run [--cpus 2]
    python -m tests.support.loaded record CLONE LOADFILE RC SECONDS

`run` clones the committed tree (HEAD) into a temporary folder, starts
`stress-ng --cpu N` (N busy loops, default one per core), samples the load
average every 30 s and runs `bash .ci/run` there, as CI does, with its output
shown as it goes. When it ends, `record` reads the two tiers' JUnit reports
(build/test-main.xml, build/test-rehearsal.xml) and the load samples and adds
the run to docs/results/loaded.json (the last five runs are kept), which
`make docs` renders in docs/reliability.md. The exit status is `make test`'s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results" / "loaded.json"
KEEP = 5


def tier_counts(report: Path) -> dict:
    """passed / failed / errors / skipped and seconds of one JUnit report."""
    if not report.is_file():
        return {"finished": False}
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests, failures, errors, skipped = (
        int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
    )
    cases = sorted(
        (
            (float(c.get("time") or 0), f"{c.get('classname')}::{c.get('name')}")
            for c in suite.iter("testcase")
        ),
        reverse=True,
    )
    return {
        "finished": True,
        "slowest": [{"test": name, "seconds": round(t, 1)} for t, name in cases[:3]],
        "passed": tests - failures - errors - skipped,
        "failed": failures,
        "errors": errors,
        "skipped": skipped,
        "seconds": round(float(suite.get("time", 0)), 1),
    }


def load_samples(path: Path) -> list[float]:
    """The 1-minute load averages of a samples file (`HH:MM:SS l1 l5 l15` lines)."""
    values = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            values.append(float(parts[1]))
    return values


def record(clone: Path, load_file: Path, rc: int, seconds: float, cpus: int | None) -> dict:
    """Add one run to docs/results/loaded.json and return it."""
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    loads = load_samples(load_file)
    run = {
        # the run ended when its last load sample was written
        "date": datetime.fromtimestamp(load_file.stat().st_mtime, UTC).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        "commit": commit,
        "cores": os.cpu_count(),
        "busy_loops": cpus,
        "exit_status": rc,
        "seconds": round(seconds),
        "load_1m": {
            "samples": len(loads),
            "mean": round(sum(loads) / len(loads), 1) if loads else None,
            "max": max(loads, default=None),
        },
        "main": tier_counts(clone / "build" / "test-main.xml"),
        "rehearsal": tier_counts(clone / "build" / "test-rehearsal.xml"),
    }
    runs = json.loads(RESULTS.read_text())["runs"] if RESULTS.is_file() else []
    runs = (runs + [run])[-KEEP:]
    RESULTS.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    return run


def sample_load(path: Path, stop: threading.Event) -> None:
    with path.open("w") as out:
        while not stop.wait(30):
            one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
            out.write(f"{time.strftime('%H:%M:%S')} {one} {five} {fifteen}\n")
            out.flush()


def ci_env() -> dict[str, str]:
    """This environment without what `make test-loaded`'s own make passes down.

    CI starts `.ci/run` from no make at all; run from inside one, the make
    that `.ci/run` starts is a sub-make, so every `make -s ...` a test starts
    would print "Entering directory" lines into output the test parses.
    """
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run(cpus: int) -> int:
    if shutil.which("stress-ng") is None:
        print("stress-ng is not installed: apt-get install -y stress-ng", file=sys.stderr)
        return 2
    where = Path(tempfile.mkdtemp(prefix="shop-loaded-"))
    clone = where / "shop"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    load_file = where / "load.txt"
    print(f"==> make test from a fresh clone ({clone}) beside stress-ng --cpu {cpus}", flush=True)
    stress = subprocess.Popen(["stress-ng", "--cpu", str(cpus), "--quiet"])
    stop = threading.Event()
    sampler = threading.Thread(target=sample_load, args=(load_file, stop), daemon=True)
    sampler.start()
    start = time.monotonic()
    try:
        rc = subprocess.run(["bash", ".ci/run"], cwd=clone, env=ci_env()).returncode
    finally:
        stop.set()
        stress.terminate()
        stress.wait()
    result = record(clone, load_file, rc, time.monotonic() - start, cpus)
    print(f"==> recorded in {RESULTS.relative_to(ROOT)}: {json.dumps(result)}")
    print("    `make docs` renders it in docs/reliability.md")
    return rc


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        cpus = int(argv[argv.index("--cpus") + 1]) if "--cpus" in argv else os.cpu_count() or 2
        return run(cpus)
    if argv[:1] == ["record"] and len(argv) in (5, 6):
        cpus = int(argv[5]) if len(argv) == 6 else None
        print(json.dumps(record(Path(argv[1]), Path(argv[2]), int(argv[3]), float(argv[4]), cpus)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
