"""SnapStart, emulated: environments forked from one primed process.

A function with `snap_start = true` in the stage's tfvars gets, in the
local stack, one template process per pool: `python -m local.restore
HANDLER SOCKET` imports the handler as Lambda initialises a SnapStart
version (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start), runs the hooks
registered before the snapshot (local/lambda_runtime stands in for the
runtime's `snapshot_restore_py`), then waits on a Unix socket. Each new
environment is one connection: the template forks, and the child — the
"restored" environment — runs the after-restore hooks and serves
invocations over that connection with local.worker's protocol.

A fork shares the parent's memory the way a restore shares the snapshot's,
which is what the hooks must cope with (the same container id, random
state and cached config in every copy). It is not AWS's restore: no
microVM, no snapshot on disk, none of its latency; the benchmark labels its
figure as emulated.
"""

import importlib
import json
import os
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

RUNTIME_HOOKS = Path(__file__).resolve().parent / "lambda_runtime"


def _run(hooks: list) -> None:
    for func, args, kwargs in hooks:
        func(*args, **kwargs)


def template(handler_path: str, socket_path: str) -> int:
    """Prime once, then fork one restored environment per connection to `socket_path`."""
    from local.worker import error_document, serve

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    import snapshot_restore_py as hooks

    started = time.perf_counter()
    module_name, _, function_name = handler_path.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        _run(hooks.get_before_snapshot())
        init_error = None
    except Exception as exc:
        traceback.print_exc()
        handler, init_error = None, error_document(exc, "Runtime.ImportModuleError")
    prime_ms = round((time.perf_counter() - started) * 1000, 1)
    print(f"snapshot taken after {prime_ms} ms of init (emulated)", file=sys.stderr)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    print(json.dumps({"listening": socket_path, "prime_ms": prime_ms}), flush=True)
    os.dup2(2, 1)  # from here on, the handler's prints go to stderr like its logs
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            _restored(conn, handler, init_error, hooks, serve)
            os._exit(0)
        conn.close()


def _restored(conn: socket.socket, handler, init_error, hooks, serve) -> None:
    started = time.perf_counter()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if init_error is None:
        try:
            _run(hooks.get_after_restore())
        except Exception as exc:
            traceback.print_exc()
            from local.worker import error_document

            init_error = error_document(exc, "Runtime.RestoreError")
    reader = conn.makefile("r", encoding="utf-8")
    writer = conn.makefile("w", encoding="utf-8")

    def send(message: dict) -> None:
        writer.write(json.dumps(message) + "\n")
        writer.flush()

    restore_ms = round((time.perf_counter() - started) * 1000, 1)
    send({"ready": True, "init_ms": restore_ms, "pid": os.getpid(), "restored": True})
    serve(handler, init_error, reader, send)


if __name__ == "__main__":
    sys.path.insert(0, str(RUNTIME_HOOKS))
    sys.exit(template(sys.argv[1], sys.argv[2]))
