"""Runs a built function the way Lambda would, in a fresh interpreter.

The function zip is unpacked to `var/task`, its layers merged into `opt`
(so `opt/python` is on the path), and a stand-in for Lambda's bootstrap runs
under `python -I -S -B` with nothing importable but the package, its layers
and what the python3.12 runtime ships itself (boto3 and its dependencies).
Used by the build tests and by the benchmarks.
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "six", "urllib3")
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-api:dev"

# Run as `python -I -S -B bootstrap.py spec.json`; prints one JSON document.
BOOTSTRAP = """\
import importlib, json, os, sys, time

spec = json.load(open(sys.argv[1]))
stdlib = [p for p in sys.path[1:] if "site-packages" not in p]
sys.path[:] = [spec["task"], spec["opt"] + "/python", spec["opt"], spec["runtime"], *stdlib]


class Context:
    invoked_function_arn = spec["arn"]
    function_name = "shop-dev-api"
    function_version = "7"
    aws_request_id = "req-built-artifact"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self):
        return 10_000


out = {"results": []}
started = time.perf_counter()
if spec.get("imports"):
    for name in spec["imports"]:
        importlib.import_module(name)
    out["import_ms"] = (time.perf_counter() - started) * 1000
else:
    module, _, name = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    out["import_ms"] = (time.perf_counter() - started) * 1000
    for event in spec["events"]:
        result = handler(event, Context())
        out["results"].append({
            "result": result,
            "sqlalchemy": "sqlalchemy" in sys.modules,
            "aws_sdk": sorted(m for m in ("boto3", "botocore") if m in sys.modules),
        })
    out["init_and_first_ms"] = (time.perf_counter() - started) * 1000
roots = (spec["task"], spec["opt"])
ours = [m for m in list(sys.modules.values()) if str(getattr(m, "__file__", "")).startswith(roots)]
out["from_package"] = sorted(m.__name__ for m in ours)
out["without_pyc"] = sorted(
    m.__name__ for m in ours
    if m.__file__.endswith(".py") and not os.path.exists(m.__cached__ or "")
)
out["elsewhere"] = sorted(
    m.__file__ for m in list(sys.modules.values())
    if getattr(m, "__file__", None) and not m.__file__.startswith((*roots, spec["runtime"]))
    and "site-packages" in m.__file__
)
print(json.dumps(out))
"""


def unpack(base: Path, function_zip: Path, layers: list[Path]) -> Path:
    """Unpack a function and its layers as Lambda does; return the folder holding them."""
    with zipfile.ZipFile(function_zip) as zf:
        zf.extractall(base / "var/task")
    for layer in layers:  # Lambda merges every layer into /opt, in order
        with zipfile.ZipFile(layer) as zf:
            zf.extractall(base / "opt")
    runtime = base / "var/runtime"
    runtime.mkdir()
    for name in RUNTIME_PACKAGES:  # what Lambda's python3.12 runtime provides itself
        module = __import__(name)
        source = Path(module.__file__)
        source = source.parent if source.name == "__init__.py" else source
        (runtime / source.name).symlink_to(source)
    (base / "bootstrap.py").write_text(BOOTSTRAP)
    return base


def invoke(base: Path, env: dict, **spec) -> dict:
    """Run the bootstrap in a fresh interpreter (one cold start); return what it printed."""
    spec = {
        "task": str(base / "var/task"),
        "opt": str(base / "opt"),
        "runtime": str(base / "var/runtime"),
        "arn": ARN,
        "handler": "shop.api.handler",
        "events": [],
        **spec,
    }
    spec_file = base / "spec.json"
    spec_file.write_text(json.dumps(spec))
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", str(base / "bootstrap.py"), str(spec_file)],
        capture_output=True,
        text=True,
        env=env,
        cwd=base / "var/task",
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the bootstrap failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])
