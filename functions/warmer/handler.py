"""Entry point of the warmer function (EventBridge rate schedule).

Invokes the api alias N times at once with a keep-alive payload. The api
holds each call for `hold_ms`, so Lambda must serve the calls from N
distinct environments; each answers with its container id and the warmer
logs how many distinct ones it reached. With `prime`, an environment that
has not initialised yet does so during the ping, so the next real request
finds it ready.

The event may override the defaults from the environment:
`{"concurrency": 3, "hold_ms": 100, "prime": true}`.
"""

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from shop import logs  # its zip carries shop/__init__.py and shop/logs.py alone

log = logging.getLogger("warmer")

MAX_CONCURRENCY = 50

_client = None
_cold = True  # until the first invocation of this environment


def _lambda_client():
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        # One HTTP connection per parallel invoke; short timeouts, no retries:
        # a missed ping is harmless, a late one only wastes money.
        config = Config(
            max_pool_connections=MAX_CONCURRENCY,
            connect_timeout=2,
            read_timeout=10,
            retries={"max_attempts": 1},
        )
        _client = boto3.client("lambda", config=config)
    return _client


def settings(event: dict, env=os.environ) -> dict:
    """Return target, concurrency, hold and prime, from the event or the environment."""
    event = event if isinstance(event, dict) else {}
    target = event.get("target") or env.get("SHOP_TARGET_FUNCTION")
    if not target:
        raise ValueError("no target: set SHOP_TARGET_FUNCTION to the api alias ARN")
    concurrency = int(event.get("concurrency", env.get("SHOP_WARMER_CONCURRENCY", "1")))
    hold_ms = int(event.get("hold_ms", env.get("SHOP_WARMER_HOLD_MS", "100")))
    prime = event.get("prime", env.get("SHOP_WARMER_PRIME", "1") == "1")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}")
    return {"target": target, "concurrency": concurrency, "hold_ms": hold_ms, "prime": bool(prime)}


def warm(target: str, concurrency: int, hold_ms: int, prime: bool, *, invoke) -> dict:
    """Invoke `target` `concurrency` times at once; return what answered."""
    payload = json.dumps({"warmer": {"hold_ms": hold_ms, "prime": prime}}).encode()

    def ping(index: int):
        try:
            answer = invoke(target, payload)
        except Exception as exc:  # one failed ping must not hide the others
            return {"error": f"{type(exc).__name__}: {exc}"}
        return answer if isinstance(answer, dict) else {"error": f"unexpected answer {answer!r}"}

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(ping, range(concurrency)))
    containers = {a["container_id"] for a in answers if "container_id" in a}
    return {
        "target": target,
        "invocations": concurrency,
        "distinct_containers": len(containers),
        "cold_starts": sum(1 for a in answers if a.get("cold_start")),
        "primed": sum(1 for a in answers if a.get("primed")),
        "errors": [a["error"] for a in answers if "error" in a],
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def invoke_lambda(target: str, payload: bytes) -> dict:
    """Invoke `target` synchronously and return its decoded answer."""
    response = _lambda_client().invoke(FunctionName=target, Payload=payload)
    body = response["Payload"].read()
    if response.get("FunctionError"):
        raise RuntimeError(f"{response['FunctionError']}: {body[:200]!r}")
    return json.loads(body)


def handler(event, context, *, invoke=invoke_lambda):
    global _cold
    cold, _cold = _cold, False
    with logs.invocation(context, cold=cold):
        result = warm(**settings(event), invoke=invoke)
        log.info("warmed", extra=result)
    return result
