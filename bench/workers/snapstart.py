"""SnapStart, emulated: prime once, then fork a "restored" environment per round.

This is not AWS's restore (a microVM resumed from a snapshot on another
host); it is the closest this machine can run: a process initialised as
Lambda initialises a SnapStart version (AWS_LAMBDA_INITIALIZATION_TYPE=
snap-start, the before-snapshot hooks run), then one fork per round whose
child runs the after-restore hooks and answers the first DB-backed
request. Reported per round: fork to first answer, and the child's CPU.
Each child also answers a keep-alive ping afterwards and draws a random
number, so the parent can check that no two restored environments share
their container id or random state.
"""

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import Context, setup_path


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec, spec["runtime_hooks"])
    os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    import importlib

    import snapshot_restore_py as hooks

    started = time.perf_counter()
    module, _, name = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module), name)
    for func, args, kwargs in hooks.get_before_snapshot():
        func(*args, **kwargs)
    prime_ms = (time.perf_counter() - started) * 1000
    rounds = []
    for _ in range(spec["runs"]):
        read, write = os.pipe()
        forked = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the restored environment
            os.close(read)
            cpu = time.process_time()
            for func, args, kwargs in hooks.get_after_restore():
                func(*args, **kwargs)
            answer = handler(spec["event"], Context("req-snapstart-bench"))
            first_ms = (time.perf_counter() - forked) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
            ping = handler({"warmer": {"hold_ms": 0}}, Context("req-snapstart-bench"))
            out = {
                "first_response_ms": first_ms,
                "cpu_ms": cpu_ms,
                "status": answer.get("statusCode"),
                "body": answer.get("body"),
                "container_id": ping.get("container_id"),
                "random": random.random(),
                "aws_sdk": sorted(m for m in ("boto3", "botocore") if m in sys.modules),
            }
            os.write(write, json.dumps(out).encode())
            os.close(write)
            os._exit(0)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        rounds.append(json.loads(b"".join(chunks)))
    print(json.dumps({"prime_ms": prime_ms, "rounds": rounds}))


if __name__ == "__main__":
    main()
