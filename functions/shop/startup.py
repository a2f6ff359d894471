"""The api function's container state: built once, primed ahead of traffic, restored.

`shop/api.py` is the smallest module a handler can be, because a
keep-alive is answered as soon as it is imported; everything it does only
on a real request lives here and is imported then: the init (the app, its
runtime and router, with the garbage collector off while they are built),
the answer when init fails, and the hooks that prime an environment ahead
of traffic (provisioned concurrency, SnapStart) or make a restored one its
own again. Standard library only at module level.
"""

import gc
import logging
import os
import sys


def init():
    """Build the container's Api (shop.app) and return it."""
    # Init allocates a few hundred thousand objects that live as long as the
    # container (modules, classes, SQLAlchemy's and botocore's tables):
    # collecting them while they are being built is wasted work, and once
    # built, freezing them keeps every later collection from scanning them.
    gc.disable()
    try:
        from shop import logs
        from shop.app import build_api

        logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
        api = build_api()
    finally:
        gc.enable()
    gc.freeze()
    return api


def try_init():
    """Return the Api, or None (logged) when it cannot be built yet."""
    try:
        return init()
    except Exception:
        logging.getLogger("shop.api").exception("init failed; will retry on the next request")
        return None


def init_failed(context) -> dict:
    """The answer to a request that came while the function could not initialise."""
    import json

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


def ahead_of_traffic(handler_module: str) -> None:
    """At the handler's import: prime a provisioned-concurrency environment now, or
    register SnapStart's hooks while Lambda initialises a SnapStart version."""
    module = sys.modules[handler_module]
    kind = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")
    if kind == "provisioned-concurrency":
        prime(module)
    elif kind == "snap-start":
        from shop import snapstart

        snapstart.register(prime=lambda: prime(module), restore=lambda: restore(module))


def prime(module) -> None:
    """Ahead of traffic (provisioned concurrency, SnapStart): build all but the engine."""
    api = module._try_init()
    if api is not None:
        api.runtime.prime()
        gc.freeze()


def restore(module) -> None:
    """After a SnapStart restore: re-read config and secret, reseed, new container id."""
    from shop import snapstart

    snapstart.reseed(module)
    if module._api is not None:
        module._api.runtime.forget()
