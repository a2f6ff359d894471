"""The pool's side of emulated SnapStart: one primed template, forked environments.

`Template` starts `python -m local.restore` for a function whose spec has
`snap_start`, waits until it has primed (its before-snapshot hooks ran),
and hands out `RestoredWorker`s: each is one connection to the template's
Unix socket, served by a freshly forked child that ran the after-restore
hooks. A RestoredWorker behaves as a Worker for the pool (same protocol,
same deadlines); its process is the template's child, so it is signalled
by pid rather than waited for.
"""

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from local.restore import RUNTIME_HOOKS
from local.workers import FunctionSpec, Worker, function_env


class _Forked:
    """What Worker needs of a process, for a child of the template."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.pid: int | None = None
        self.stdin = sock.makefile("wb")
        self.stdout = sock
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self.pid is not None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = time.monotonic() + (timeout or 5)
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.returncode is None:
            raise subprocess.TimeoutExpired("restored environment", timeout)
        return self.returncode

    def kill(self) -> None:
        if self.pid is not None and self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.sock.close()


class RestoredWorker(Worker):
    """One environment restored from the template (a fork), spoken to over a socket."""

    def __init__(self, spec: FunctionSpec, worker_id: str, sock: socket.socket):
        self.id, self.spec, self.invocations, self.init_ms = worker_id, spec, 0, None
        self.restored = True
        self.process = _Forked(sock)
        self._buffer = b""

    def wait_ready(self, deadline: float) -> None:
        ready = json.loads(self._read_line(deadline))
        self.init_ms, self.process.pid = ready["init_ms"], ready["pid"]

    def stop(self, grace: float = 2.0) -> None:
        try:
            self.process.stdin.close()
            self.process.sock.shutdown(socket.SHUT_WR)
            self.process.wait(timeout=grace)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self.process.sock.close()


class Template:
    """The primed process every SnapStart environment of one function forks from."""

    def __init__(self, spec: FunctionSpec, *, cwd: Path, log: Callable, timeout: float = 60):
        self.spec = spec
        self._dir = tempfile.TemporaryDirectory(prefix="shop-snapstart-")
        self.socket_path = str(Path(self._dir.name) / "template.sock")
        env = function_env(spec)
        env["PYTHONPATH"] = os.pathsep.join([str(RUNTIME_HOOKS), *spec.python_path])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.restore", spec.handler, self.socket_path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        short = spec.name.rsplit("-", 1)[-1]
        threading.Thread(target=self._pump_logs, args=(log, short), daemon=True).start()
        self.prime_ms = self._wait_listening(timeout)

    def _pump_logs(self, log: Callable, short: str) -> None:
        for raw in self.process.stderr:
            log(f"[{short} snapshot] {raw.decode('utf-8', 'replace')}")

    def _wait_listening(self, timeout: float) -> float:
        fd = self.process.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise RuntimeError(f"{self.spec.name}: the SnapStart template did not start")
        return json.loads(line)["prime_ms"]

    def restore(self, worker_id: str) -> RestoredWorker:
        """Return a new environment forked from the primed template."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.socket_path)
        return RestoredWorker(self.spec, worker_id, sock)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self._dir.cleanup()
