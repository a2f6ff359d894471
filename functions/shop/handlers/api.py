"""Entry point of the api function.

Module import is cheap on purpose: a keep-alive ping is answered before
config, the database or even `import sqlalchemy`. The heavy objects
(SQLAlchemy, contract and router, CA bundle) are built once, on the first
real request — or on a warmer ping that asks to prime the environment, or
at import when Lambda initialises a provisioned-concurrency environment or
a SnapStart version ahead of traffic — and kept for the life of the
container. Config and the database secret are read on the first request,
through the Parameters and Secrets extension (which does not answer during
init), and the engine is made then; boto3 is imported only by a write that
notifies (shop.runtime).
"""

import json
import os

from shop import handlers as keepalive

_api = None
_cold = True


def _init():
    global _api
    import gc

    # Init allocates a few hundred thousand objects that live as long as the
    # container (modules, classes, SQLAlchemy's and botocore's tables):
    # collecting them while they are being built is wasted work, and once
    # built, freezing them keeps every later collection from scanning them.
    gc.disable()
    try:
        from shop import logs
        from shop.app import build_api

        logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
        _api = build_api()
    finally:
        gc.enable()
    gc.freeze()
    return _api


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
        return _init_failed(context)
    return api.handle(event, context, cold=cold)


def _try_init():
    try:
        return _init()
    except Exception:
        import logging

        logging.getLogger("shop.api").exception("init failed; will retry on the next request")
        return None


def _init_failed(context) -> dict:
    request_id = getattr(context, "aws_request_id", "unknown")
    body = {
        "error": {
            "code": "config_error",
            "message": "the function could not initialise; see its logs",
            "request_id": request_id,
        }
    }
    return {
        "statusCode": 500,
        "headers": {"Content-Type": "application/json; charset=utf-8", "Vary": "Origin"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _prime() -> None:
    """Ahead of traffic (provisioned concurrency, SnapStart): build all but the engine."""
    api = _try_init()
    if api is not None:
        import gc

        api.runtime.prime()
        gc.freeze()


def _restore() -> None:
    """After a SnapStart restore: re-read config and secret, reseed, new container id."""
    from shop import snapstart

    snapstart.reseed(keepalive)
    if _api is not None:
        _api.runtime.forget()


_init_type = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")
if _init_type == "provisioned-concurrency":
    _prime()
elif _init_type == "snap-start":
    from shop import snapstart

    snapstart.register(prime=_prime, restore=_restore)
