"""Starts `python -m local.stack` as a child process, for tests and benchmarks.

The stack announces itself with one line starting with `ready ` (printed by
local/stack.py) that names its URLs (`api=...`, `web=...`, `aws=...`);
`launch` waits for that line in the child's log and keeps the URLs, and
`Launched.stop` ends the child as Ctrl-C does (SIGINT to its own session,
so the workers close too), harder only if it lingers. `make dev` itself
does not use this module.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY_PREFIX = "ready "


class LaunchError(RuntimeError):
    """The stack exited, or printed no ready line in time; the message has its log's tail."""


@dataclass
class Launched:
    process: subprocess.Popen
    log_path: Path
    urls: dict[str, str] = field(default_factory=dict)  # as the ready line names them

    @property
    def api_url(self) -> str:
        return self.urls.get("api", "")

    @property
    def web_url(self) -> str:
        return self.urls.get("web", "")

    @property
    def aws_url(self) -> str:
        return self.urls.get("aws", "")

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
        ready = [
            line for line in launched.log_tail(400).splitlines() if line.startswith(READY_PREFIX)
        ]
        if ready:
            launched.urls = dict(w.split("=", 1) for w in ready[0].split() if "=" in w)
            return launched
        if process.poll() is not None:
            raise LaunchError(
                f"local.stack exited with {process.returncode} before it was ready:\n"
                f"{launched.log_tail()}"
            )
        time.sleep(0.1)
    launched.stop()
    raise LaunchError(f"local.stack printed no ready line in {timeout:g} s:\n{launched.log_tail()}")
