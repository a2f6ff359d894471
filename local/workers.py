"""Lambda-like execution environments: one OS process each, pooled per function.

A `Pool` hands an invocation to an idle worker (warm) or starts a new one
(cold: a fresh interpreter imports the handler's module, then runs its
first request), up to `max_workers` at once, as Lambda's concurrency
would. When every worker is busy and the pool is full, the invocation
waits for one to free up within its deadline (Lambda would throttle; the
local stack queues, which is friendlier to a browser). An invocation that
outlives its deadline has its worker killed and replaced, as Lambda resets
an environment after a timeout. Nothing here knows about HTTP or events.
"""

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FunctionSpec:
    """One function as Lambda sees it: name, handler, environment, limits."""

    name: str  # e.g. shop-dev-api
    handler: str  # e.g. shop.api.handler
    arn: str  # unqualified function ARN
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0  # the function's own timeout, seconds
    memory_mb: int = 512
    python_path: tuple[str, ...] = ()
    snap_start: bool = False  # new environments are forks of one primed process


@dataclass
class Invocation:
    """What one invocation produced: a result, Lambda's error document, or a timeout."""

    result: object = None
    error: dict | None = None
    timed_out: bool = False
    worker: str = ""
    cold: bool = False
    duration_ms: float = 0.0


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


def stderr_sink(line: str) -> None:
    sys.stderr.write(line)
    sys.stderr.flush()


def function_env(spec: FunctionSpec) -> dict[str, str]:
    """The environment of one of `spec`'s processes: the function's, as Lambda's is.

    Nothing of the caller's AWS, shop or database settings leaks in.
    """
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "SHOP_")) and k != "DATABASE_URL"
    }
    env = {**inherited, **spec.env, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(spec.python_path)
    return env


class Worker:
    """One worker process speaking JSON lines over its stdin/stdout."""

    def __init__(self, spec: FunctionSpec, worker_id: str, *, cwd: Path, log: Callable):
        self.id, self.spec, self.invocations, self.init_ms = worker_id, spec, 0, None
        env = function_env(spec)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.worker", spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self._buffer = b""
        threading.Thread(target=self._pump_logs, args=(log,), daemon=True).start()

    def _pump_logs(self, log: Callable) -> None:
        for raw in self.process.stderr:
            log(f"[{self.id}] {raw.decode('utf-8', 'replace')}")

    def wait_ready(self, deadline: float) -> None:
        ready = json.loads(self._read_line(deadline))
        self.init_ms = ready["init_ms"]
        self.restored = ready.get("restored", False)

    def call(self, request: dict, deadline: float) -> dict:
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _Died(f"worker {self.id} is gone") from exc
        self.invocations += 1
        return json.loads(self._read_line(deadline))

    def _read_line(self, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    code = self.process.wait(timeout=5)
                    raise _Died(f"worker {self.id} exited with status {code}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self, grace: float = 2.0) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=grace)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


class Pool:
    """Up to `max_workers` environments of one function."""

    def __init__(
        self, spec: FunctionSpec, *, max_workers: int, cwd: Path, log: Callable = stderr_sink
    ):
        self.spec, self.max_workers, self.cwd, self.log = spec, max_workers, cwd, log
        self._lock = threading.Condition()
        self._idle: list[Worker] = []
        self._all: list[Worker] = []
        self._started = 0
        self._closed = False
        self._template = None  # the primed process SnapStart environments fork from

    def invoke(
        self, event: object, *, request_id: str, qualifier: str | None, wait: float | None = None
    ) -> Invocation:
        """Run `event` through one worker; wait at most `wait` seconds (default: the timeout)."""
        started = time.monotonic()
        deadline = started + min(wait or self.spec.timeout, self.spec.timeout)
        context = {
            "invoked_function_arn": self.spec.arn + (f":{qualifier}" if qualifier else ""),
            "function_name": self.spec.name,
            "function_version": "$LATEST",
            "memory_limit_in_mb": self.spec.memory_mb,
            "aws_request_id": request_id,
            "deadline_ms": time.time() * 1000 + self.spec.timeout * 1000,
        }
        outcome = Invocation()
        try:
            worker = self._acquire(deadline)
        except _Timeout:
            outcome.timed_out = True
            outcome.error = _timeout_error(self.spec.timeout, request_id)
            return self._finish(outcome, started)
        outcome.worker, outcome.cold = worker.id, worker.invocations == 0
        try:
            if worker.init_ms is None:
                worker.wait_ready(deadline)
            answer = worker.call({"event": event, "context": context}, deadline)
        except _Timeout:
            outcome.timed_out = True
            outcome.error = _timeout_error(self.spec.timeout, request_id)
            self._discard(worker)
        except _Died as exc:
            outcome.error = {"errorMessage": str(exc), "errorType": "Runtime.ExitError"}
            self._discard(worker)
        else:
            outcome.result, outcome.error = answer.get("result"), answer.get("error")
            self._release(worker)
        return self._finish(outcome, started)

    @staticmethod
    def _finish(outcome: Invocation, started: float) -> Invocation:
        outcome.duration_ms = round((time.monotonic() - started) * 1000, 1)
        return outcome

    def _acquire(self, deadline: float) -> Worker:
        with self._lock:
            while not self._idle and len(self._all) >= self.max_workers:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise _Timeout
                self._lock.wait(remaining)
            if self._closed:
                raise _Timeout
            if self._idle:
                return self._idle.pop()
            self._started += 1
            short = self.spec.name.rsplit("-", 1)[-1]
            worker_id = f"{short}#{self._started}"
            if self.spec.snap_start:
                if self._template is None:
                    from local.restore_pool import Template

                    self._template = Template(self.spec, cwd=self.cwd, log=self.log)
                worker = self._template.restore(worker_id)
            else:
                worker = Worker(self.spec, worker_id, cwd=self.cwd, log=self.log)
            self._all.append(worker)
            return worker

    def _release(self, worker: Worker) -> None:
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._idle.append(worker)
            self._lock.notify()

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            self._lock.notify()

    def stats(self) -> dict:
        """Return the pool's workers: id, pid, invocations, busy or idle."""
        with self._lock:
            return {
                "function": self.spec.name,
                "max_workers": self.max_workers,
                "workers": [
                    {
                        "id": w.id,
                        "pid": w.process.pid,
                        "invocations": w.invocations,
                        "init_ms": w.init_ms,
                        "restored": getattr(w, "restored", False),
                        "busy": w not in self._idle,
                    }
                    for w in self._all
                ],
            }

    def reclaim_idle(self) -> int:
        """Stop every idle worker, as Lambda reclaims idle environments; return how many.

        The next invocations start new environments (with SnapStart, restored
        from the same snapshot); busy workers are left to finish.
        """
        with self._lock:
            idle, self._idle = self._idle, []
            self._all = [w for w in self._all if w not in idle]
        for worker in idle:
            worker.stop()
        return len(idle)

    def close(self) -> None:
        """Stop every worker (busy ones are killed)."""
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), [], []
            self._lock.notify_all()
        for worker in workers:
            worker.stop()
        if self._template is not None:
            self._template.stop()


def _timeout_error(timeout: float, request_id: str) -> dict:
    return {
        "errorMessage": f"{request_id} Task timed out after {timeout:.2f} seconds",
        "errorType": "Sandbox.Timedout",
    }
