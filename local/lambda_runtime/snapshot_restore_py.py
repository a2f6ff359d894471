"""Stand-in for `snapshot_restore_py`, which Lambda's Python managed runtimes ship.

Functions register SnapStart runtime hooks with it; the runtime runs the
before-snapshot hooks once, before it snapshots an initialised
environment, and the after-restore hooks in every environment restored
from that snapshot. Off Lambda nobody runs them: the local stack's workers
(local/restore.py) and the benchmark's emulated restore put this folder on
the path and run the hooks themselves around a fork of a primed process.
Same public names as AWS's module
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html).
"""

_before_snapshot: list = []
_after_restore: list = []


def register_before_snapshot(func, *args, **kwargs):
    _before_snapshot.append((func, args, kwargs))
    return func


def register_after_restore(func, *args, **kwargs):
    _after_restore.append((func, args, kwargs))
    return func


def get_before_snapshot() -> list:
    return _before_snapshot


def get_after_restore() -> list:
    return _after_restore
