"""Starts `python -m local.stack` as a child process, for tests and benchmarks.

The stack announces itself with one line starting with `ready ` (printed by
local/stack.py); `launch` waits for that line in the child's log, and
`Launched.stop` ends the child as Ctrl-C does (SIGINT to its own session,
so the workers close too), harder only if it lingers. `make dev` itself
does not use this module.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "ready "


class LaunchError(RuntimeError):
    """The stack exited, or printed no ready line in time; the message has its log's tail."""


@dataclass
class Launched:
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        """Return the last `lines` lines the stack printed."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 20) -> None:
        """Stop with SIGINT; then SIGTERM, then SIGKILL to its session if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session only
            self.process.wait(timeout=5)


def launch(args: list[str], log_path: Path, *, env=None, timeout: float = 90) -> Launched:
    """Start `python -m local.stack ARGS`, logging to `log_path`; return once it is ready.

    Raises LaunchError when the stack exits first or is not ready within
    `timeout` seconds (then it is stopped).
    """
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.stack", *args],
            cwd=ROOT,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a SIGINT for the stack never reaches its parent
        )
    launched = Launched(process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(line.startswith(READY_PREFIX) for line in launched.log_tail(400).splitlines()):
            return launched
        if process.poll() is not None:
            raise LaunchError(
                f"local.stack exited with {process.returncode} before it was ready:\n"
                f"{launched.log_tail()}"
            )
        time.sleep(0.1)
    launched.stop()
    raise LaunchError(f"local.stack printed no ready line in {timeout:g} s:\n{launched.log_tail()}")
