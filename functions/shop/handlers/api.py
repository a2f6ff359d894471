"""Entry point of the api function.

Importing it costs the keep-alive and nothing else: a warmer's ping is
answered before config, the database or even `import sqlalchemy`. The heavy
objects (SQLAlchemy, contract and router, CA bundle) are built once by
shop.startup, on the first real request, or on a warmer ping that asks to
prime the environment, or at import when Lambda initialises a
provisioned-concurrency environment or a SnapStart version ahead of
traffic, and kept for the life of the container. Config and the database
secret are read on the first request, through the Parameters and Secrets
extension (which does not answer during init), and the engine is made
then; boto3 is imported only by a write that notifies (shop.runtime).
"""

import os

from shop import handlers as keepalive

_api = None  # the container's shop.app.Api, once built
_cold = True


def handler(event, context):
    global _cold
    cold, _cold = _cold, False
    if keepalive.is_keepalive(event):
        primed = False
        if keepalive.wants_prime(event) and _api is None:
            primed = _try_init() is not None
        return keepalive.answer(event, cold=cold, primed=primed)
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
