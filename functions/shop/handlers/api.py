"""Entry point of the api function.

Module import is cheap on purpose: a keep-alive ping is answered before
config, the database or even `import sqlalchemy`. The heavy objects (boto3
clients, secret, engine, contract and router) are built once, on the first
real request — or on a warmer ping that asks to prime the environment, or
at import when Lambda initialises a provisioned-concurrency environment
ahead of traffic — and kept for the life of the container.
"""

import gc
import json
import os

from shop import keepalive

_api = None
_cold = True


def _init():
    global _api
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


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency":
    _try_init()
