"""One Lambda-like execution environment: `python -m local.worker MODULE.FUNCTION`.

Started by `local.workers.Pool` as its own OS process. It imports the
handler's module first (Lambda's init phase, so the first invocation is a
real cold start), then answers one invocation per line of JSON on stdin
with one line of JSON on its original stdout. The handler's own prints and
logs go to stderr, as they would to CloudWatch, so they can never corrupt
the protocol. A handler exception becomes Lambda's error document.
"""

import importlib
import json
import os
import signal
import sys
import time
import traceback


class Context:
    """The parts of Lambda's context object that handlers read."""

    def __init__(self, fields: dict):
        self.invoked_function_arn = fields["invoked_function_arn"]
        self.function_name = fields["function_name"]
        self.function_version = fields.get("function_version", "$LATEST")
        self.memory_limit_in_mb = fields.get("memory_limit_in_mb", 128)
        self.aws_request_id = fields["aws_request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = fields.get("log_stream_name", "local")
        self._deadline_ms = fields["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error_document(exc: BaseException, error_type: str | None = None) -> dict:
    """Return the error payload Lambda answers with when a handler raises."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def main(handler_path: str) -> int:
    # Ctrl-C reaches the whole process group; the pool, not the terminal, stops workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the handler's prints go to stderr, like its logs
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1)

    def send(message: dict) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    module_name, _, function_name = handler_path.rpartition(".")
    started = time.perf_counter()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        init_error = None
    except Exception as exc:
        traceback.print_exc()
        handler, init_error = None, error_document(exc, "Runtime.ImportModuleError")
    send({"ready": True, "init_ms": round((time.perf_counter() - started) * 1000, 1)})
    serve(handler, init_error, sys.stdin, send)
    return 0


def serve(handler, init_error: dict | None, lines, send) -> None:
    """Answer one invocation per JSON line of `lines` through `send`, until they end."""
    for line in lines:
        request = json.loads(line)
        if init_error is not None:
            send({"error": init_error})
            continue
        try:
            result = handler(request["event"], Context(request["context"]))
        except Exception as exc:
            traceback.print_exc()
            send({"error": error_document(exc)})
            continue
        try:
            send({"result": result})
        except (TypeError, ValueError) as exc:
            send({"error": error_document(exc, "Runtime.MarshalError")})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
