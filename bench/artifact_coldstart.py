"""Cold start of the built api artifact, with and without its bytecode.

Builds the real tree, unpacks the api zip and its layer as Lambda does, and
starts it cold N times per variant (alternating, so both see the same
machine): the handler's import, then its first `GET /v1/health` against
MariaDB over TLS with config and secret from a moto server. "Without" is
the same artifact with every `__pycache__` removed, run with `-B`, as a zip
without bytecode runs on Lambda's read-only file system.

    .venv/bin/python -m bench.artifact_coldstart [--runs 7]
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stack import ROOT, bench_stack
from support.lambda_layout import invoke, unpack

EVENTS = ROOT / "tests" / "events"


def build() -> tuple[dict, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build.py")], check=True, capture_output=True)
    return json.loads((ROOT / "build/manifest.json").read_text()), time.perf_counter() - started


def strip_bytecode(root: Path, into: Path) -> Path:
    shutil.copytree(root, into, symlinks=True)
    for folder in list(into.rglob("__pycache__")):
        shutil.rmtree(folder)
    return into


def measure(runs: int) -> dict:
    manifest, _ = build()
    health = json.loads((EVENTS / "health.json").read_text())
    with tempfile.TemporaryDirectory() as tmp, bench_stack() as (_server, env):
        with_pyc = unpack(Path(tmp) / "with", ROOT / "build/api.zip", [ROOT / "build/deps.zip"])
        without = strip_bytecode(with_pyc, Path(tmp) / "without")
        samples = {"with": [], "without": []}
        for i in range(runs):
            print(f"  cold start {i + 1}/{runs}", file=sys.stderr)
            for label, root in (("with", with_pyc), ("without", without)):
                out = invoke(root, env, events=[health])
                assert out["results"][0]["result"]["statusCode"] == 200, out
                samples[label].append(
                    {"import_ms": out["import_ms"], "first_response_ms": out["init_and_first_ms"]}
                )
    median = {
        label: {k: round(statistics.median(s[k] for s in runs_), 1) for k in runs_[0]}
        for label, runs_ in samples.items()
    }
    return {
        "runs": runs,
        "api_zip_bytes": manifest["functions"]["api"]["size"],
        "deps_layer_bytes": manifest["layers"]["deps"]["size"],
        "median_ms": median,
        "ratio_with_to_without": round(
            median["with"]["first_response_ms"] / median["without"]["first_response_ms"], 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    result = measure(parser.parse_args().runs)
    out = ROOT / "bench/results/artifact_coldstart.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    m = result["median_ms"]
    print("| built api, cold | with bytecode | without | ratio |")
    print("|---|---|---|---|")
    for key, label in (
        ("import_ms", "handler import"),
        ("first_response_ms", "import + first GET /v1/health"),
    ):
        ratio = m["with"][key] / m["without"][key]
        print(f"| {label} | {m['with'][key]} ms | {m['without'][key]} ms | {ratio:.2f}x |")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
