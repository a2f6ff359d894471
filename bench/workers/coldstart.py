"""One cold start: import the handler, answer the events, report the times.

The same bootstrap as tests/support/lambda_layout.py's (same sys.path, the
same stand-in context, the same measurements), plus the wall-clock moment
the first answer was ready, so the parent can also report "fresh
interpreter launched -> answered" without the interpreter's teardown, and
the CPU time the process itself spent (what other load on the machine
disturbs least).
"""

import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import Context, setup_path


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    out = {"results": []}
    cpu = time.process_time()
    started = time.perf_counter()
    module, _, name = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    out["import_ms"] = (time.perf_counter() - started) * 1000
    for event in spec["events"]:
        result = handler(event, Context("req-built-artifact"))
        if "answered_at" not in out:
            out["answered_at"] = time.time()
        out["results"].append({"result": result, "sqlalchemy": "sqlalchemy" in sys.modules})
    out["init_and_first_ms"] = (time.perf_counter() - started) * 1000
    out["cpu_ms"] = (time.process_time() - cpu) * 1000
    roots = (spec["task"], spec["opt"])
    out["from_package"] = sorted(
        m.__name__
        for m in list(sys.modules.values())
        if str(getattr(m, "__file__", "")).startswith(roots)
    )
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
