"""Small helpers every benchmark uses: statistics, progress, workers, results.

Progress goes to stderr (a run takes minutes); figures go to
bench/results/<metric>.json, committed, which keeps what the reports render
(medians, p90s, counts, the machine, the date); the raw samples behind them
go to build/bench/raw/<metric>.json, ignored by git. The table goes to
stdout and docs/benchmarks.md (bench/report.py).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
RAW = ROOT / "build" / "bench" / "raw"
# Members holding raw samples: written to RAW, never to the committed results.
RAW_KEYS = frozenset({"samples", "samples_ms", "rounds_us", "latency_samples_ms"})
WORKERS = BENCH / "workers"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def summary(samples) -> dict:
    """Return median, p90, min and count of `samples` (rounded for reading)."""
    values = sorted(samples)
    p90 = (
        statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    )
    return {
        "median": round(statistics.median(values), 3),
        "p90": round(p90, 3),
        "min": round(values[0], 3),
        "n": len(values),
    }


def percentile(samples, q: float) -> float:
    values = sorted(samples)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("nan")


def run_worker(script: str, base: Path, spec: dict, env: dict, timeout: float = 180) -> dict:
    """Run bench/workers/<script> in a fresh `python -I -S -B`; return its last JSON line."""
    spec = {
        "task": str(base / "var/task"),
        "opt": str(base / "opt"),
        "runtime": str(base / "var/runtime"),
        **spec,
    }
    spec_file = base / f"{script}.spec.json"
    spec_file.write_text(json.dumps(spec, default=str))
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(WORKERS / script), str(spec_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=base / "var/task",
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {script} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def machine() -> dict:
    """Return what the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        release = dict(
            line.split("=", 1)
            for line in Path("/etc/os-release").read_text().splitlines()
            if "=" in line
        )
        os_name = release.get("PRETTY_NAME", os_name).strip('"')
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": os_name,
        "python": platform.python_version(),
    }


def split_raw(data):
    """Return (`data` without its RAW_KEYS members, at any depth; those members alone)."""
    if isinstance(data, list):
        parts = [split_raw(item) for item in data]
        raw = [inner for _, inner in parts]
        return [kept for kept, _ in parts], raw if any(raw) else None
    if not isinstance(data, dict):
        return data, None
    kept, raw = {}, {}
    for key, value in data.items():
        if key in RAW_KEYS:
            raw[key] = value
            continue
        kept[key], inner = split_raw(value)
        if inner:
            raw[key] = inner
    return kept, raw or None


def write_result(metric: str, data: dict) -> Path:
    """Write bench/results/<metric>.json (atomically) without its raw samples, and the
    samples to build/bench/raw/<metric>.json; return the results file's path."""
    summary_, raw = split_raw(data)
    if raw:
        RAW.mkdir(parents=True, exist_ok=True)
        _write(RAW / f"{metric}.json", {"machine": data.get("machine"), **raw})
    RESULTS.mkdir(exist_ok=True)
    return _write(RESULTS / f"{metric}.json", summary_)


def _write(path: Path, data: dict) -> Path:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    return path
