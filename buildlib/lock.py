"""One build of a tree at a time.

`make test` runs the apply rehearsal beside the other tiers, and both it and
the security scan run build.py on the same build/: two builds committing at
once would leave a manifest naming one build's zips beside the other's. A
build holds an exclusive flock on the tree's root folder (which always exists,
unlike build/, and which a failed first build does not remove) for its whole
run; a second build waits, saying so, then finds the first one's work and
reuses it. The kernel drops the lock when its holder exits, even when killed.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(root: Path, log=print) -> Iterator[None]:
    """Hold the build lock of `root` for the duration of the block; wait for it if held."""
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another build of {root} to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
