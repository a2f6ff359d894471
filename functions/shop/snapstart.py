"""Lambda SnapStart for Python: what happens before the snapshot and after a restore.

With SnapStart on (`functions.<name>.snap_start` in the tfvars), Lambda runs
the init phase once per published version, snapshots the memory and restores
that snapshot for every new environment. The runtime calls the hooks
registered with `snapshot_restore_py` (shipped in Lambda's Python managed
runtimes; absent elsewhere, hence the guarded import):

- before the snapshot, `prime` builds everything heavy — SQLAlchemy and the
  MySQL dialect imported, the contract and router built, the CA bundle
  loaded — but opens no connection and reads no secret: the engine is
  NullPool and is made only on the first request, and the extension does
  not answer during init anyway;
- after each restore, `restore` makes the environment its own again: the
  config and the database secret are dropped so the first request re-reads
  them through the extension, `random` is reseeded from the OS, and the
  keep-alive's container id is drawn anew, so no two restored environments
  share a value that was meant to be unique.

https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html
https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html
"""

import os
import random
from collections.abc import Callable

try:
    from snapshot_restore_py import register_after_restore, register_before_snapshot
except ImportError:  # outside Lambda's managed runtime: SnapStart cannot happen
    register_after_restore = register_before_snapshot = None


def enabled(env=os.environ) -> bool:
    """Return True while Lambda initialises a SnapStart version (before its snapshot)."""
    return env.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def register(*, prime: Callable[[], object], restore: Callable[[], None]) -> bool:
    """Register the two hooks; return False where `snapshot_restore_py` is absent."""
    if register_before_snapshot is None:
        return False
    register_before_snapshot(prime)
    register_after_restore(restore)
    return True


def reseed(keepalive_module) -> None:
    """Give a restored environment its own random state and container id."""
    random.seed()  # from os.urandom, which the kernel keeps unique per restore
    keepalive_module.CONTAINER_ID = os.urandom(16).hex()
