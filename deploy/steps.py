"""Numbered steps with durations, and failures that say what to do next."""

import sys
import time
from contextlib import contextmanager


class DeployError(Exception):
    """A step failed; `hint` tells the user what to do next."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


class Steps:
    """Prints `==> [2/7] terraform init ... 1.4 s` for each step."""

    def __init__(self, total: int, *, out=None, clock=time.perf_counter):
        self.total = total
        self.done = 0
        self.out = out or sys.stdout
        self.clock = clock

    @contextmanager
    def step(self, title: str):
        self.done += 1
        started = self.clock()
        print(f"==> [{self.done}/{self.total}] {title}", file=self.out, flush=True)
        try:
            yield
        except DeployError:
            print(f"    failed after {self.clock() - started:.1f} s", file=self.out)
            raise
        print(f"    done in {self.clock() - started:.1f} s", file=self.out, flush=True)
