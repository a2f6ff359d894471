"""Lambda entry points, and the keep-alive pings they answer before anything heavy.

Each handler module stays cheap to import (stdlib only at module level).
The keep-alive lives here, in the package every entry point loads anyway,
so that a ping costs no module beyond the handler's own: it is answered
before config, the database or SQLAlchemy.

Two kinds of event keep an environment warm: an EventBridge scheduled event
sent straight to the function, and the warmer's payload
(`{"warmer": {"hold_ms": 100, "prime": true}}`). The warmer invokes the alias
N times at once; holding each call briefly makes Lambda serve them from N
distinct environments, and the container id in the answer lets the warmer
count how many it reached.

This package must import nothing beyond the standard library.
"""

import os
import time

# One id per execution environment: module state lives as long as the container.
# os.urandom, not uuid: `import uuid` (and the platform module it loads) costs
# more than everything else a keep-alive does.
CONTAINER_ID = os.urandom(16).hex()
MAX_HOLD_MS = 1000


def is_keepalive(event: object) -> bool:
    """Return True for a scheduled EventBridge event or a warmer payload."""
    if not isinstance(event, dict):
        return False
    if event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event":
        return True
    return isinstance(event.get("warmer"), dict)


def wants_prime(event: dict) -> bool:
    """Return True when the warmer asks the environment to finish its init too."""
    warmer = event.get("warmer")
    return isinstance(warmer, dict) and warmer.get("prime") is True


def answer(event: dict, *, cold: bool, primed: bool = False, sleep=time.sleep) -> dict:
    """Hold for the requested time (bounded) and say which container answered."""
    hold_ms = 0
    warmer = event.get("warmer")
    if isinstance(warmer, dict):
        raw = warmer.get("hold_ms", 0)
        if isinstance(raw, int) and not isinstance(raw, bool):
            hold_ms = min(max(raw, 0), MAX_HOLD_MS)
    if hold_ms:
        sleep(hold_ms / 1000)
    return {
        "warm": True,
        "container_id": CONTAINER_ID,
        "cold_start": cold,
        "primed": primed,
        "function_version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "local"),
    }
