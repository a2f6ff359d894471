"""Entry point of the api function (`shop.api.handler`), and the keep-alive it answers first.

One package deep on purpose: Lambda imports `shop` and this module and
nothing else before a warmer's ping is answered, the fewest modules a
handler in a package can cost. A keep-alive is answered before config, the
database or even `import sqlalchemy`; so this module imports nothing beyond
the standard library at module level.

Two kinds of event keep an environment warm: an EventBridge scheduled event
sent straight to the function, and the warmer's payload
(`{"warmer": {"hold_ms": 100, "prime": true}}`). The warmer invokes the alias
N times at once; holding each call briefly makes Lambda serve them from N
distinct environments, and the container id in the answer lets the warmer
count how many it reached.

The heavy objects (SQLAlchemy, contract and router, CA bundle) are built
once by shop.startup, on the first real request, or on a warmer ping that
asks to prime the environment, or at import when Lambda initialises a
provisioned-concurrency environment or a SnapStart version ahead of
traffic, and kept for the life of the container. Config and the database
secret are read on the first request, through the Parameters and Secrets
extension (which does not answer during init), and the engine is made
then; boto3 is imported only by a write that notifies (shop.runtime).
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


_api = None  # the container's shop.app.Api, once built
_cold = True


def handler(event, context):
    global _cold
    cold, _cold = _cold, False
    if is_keepalive(event):
        primed = False
        if wants_prime(event) and _api is None:
            primed = _try_init() is not None
        return answer(event, cold=cold, primed=primed)
    api = _api or _try_init()
    if api is None:
        from shop import startup

        return startup.init_failed(context)
    return api.handle(event, context, cold=cold)


def _try_init():
    global _api
    from shop import startup

    _api = startup.try_init()
    return _api


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in ("provisioned-concurrency", "snap-start"):
    from shop import startup

    startup.ahead_of_traffic(__name__)
