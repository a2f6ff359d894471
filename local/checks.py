"""What can stop `make dev` before it starts, each with a message that says the fix.

Only the standard library here: these checks run before anything heavy is
imported, so a missing package is reported, not raised as a traceback.
"""

import errno
import fcntl
import importlib.util
import json
import os
import socket
import sys
from pathlib import Path

# Modules the stack needs (import name -> pip package), and the functions' own.
STACK_MODULES = {
    "yaml": "PyYAML",
    "boto3": "boto3",
    "moto": "moto[server]",
    "werkzeug": "moto[server]",
    "flask": "moto[server]",
    "jsonschema": "jsonschema",
    "sqlalchemy": "SQLAlchemy",
    "alembic": "alembic",
}
MYSQL_MODULES = {"pymysql": "PyMySQL"}
INSTALL_HINT = "run `make venv` (it installs requirements-dev.txt into .venv), then `make dev`"


def python_problem(root: Path) -> str | None:
    """Return why this interpreter is the wrong one, or None."""
    wanted_file = root / ".python-version"
    wanted = wanted_file.read_text().strip() if wanted_file.exists() else ""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if wanted and not (running == wanted or running.startswith(wanted + ".")):
        return (
            f"Python {running} is running but the project needs {wanted} (the Lambda runtime); "
            f"use .venv/bin/python, e.g. through `make dev`"
        )
    return None


def missing_packages(database_url: str | None) -> list[str]:
    """Return the pip packages whose modules cannot be imported."""
    modules = dict(STACK_MODULES)
    if database_url and database_url.startswith("mysql"):
        modules |= MYSQL_MODULES
    missing = {pkg for name, pkg in modules.items() if importlib.util.find_spec(name) is None}
    return sorted(missing)


def port_problem(port: int, flag: str, host: str = "127.0.0.1") -> str | None:
    """Return a message when `port` cannot be bound, or None when it is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc})"
            return (
                f"port {port} on {host} {reason}. See what holds it with "
                f"`ss -ltnp 'sport = :{port}'`, or pick another port with {flag}."
            )
    return None


class StackLock:
    """An exclusive lock on `<state dir>/stack.lock`, held while a stack runs.

    The kernel drops it when the process dies, so a crashed stack never
    blocks the next one. `info` is what the running stack published.
    """

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "stack.lock"
        self.info_path = Path(state_dir) / "stack.json"
        self._handle = None

    def acquire(self) -> bool:
        """Return True when the lock is now ours, False when another stack holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held for the stack's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def publish(self, info: dict) -> None:
        self.info_path.write_text(json.dumps({"pid": os.getpid(), **info}, indent=1))

    def running_info(self) -> dict:
        """Return what the running stack published ({} if it has not yet)."""
        try:
            return json.loads(self.info_path.read_text())
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self._handle is not None:
            self.info_path.unlink(missing_ok=True)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def already_running_message(info: dict, state_dir: Path) -> str:
    pid = info.get("pid", "?")
    where = f" (API on {info['api']})" if info.get("api") else ""
    return (
        f"make dev is already running{where}, pid {pid}, state in {state_dir}. "
        f"Use it, or stop it first (Ctrl-C in its terminal, or `kill -INT {pid}`); "
        "to run a second stack beside it, give it its own --state-dir and ports."
    )
