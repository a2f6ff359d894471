"""The cold path of a first DB-backed request, step by step, in a fresh interpreter.

The same steps the handler takes on its first request (shop/startup.py,
shop/app.py, shop/runtime.py), taken one at a time so each can be timed:
import the handler, import the app (SQLAlchemy Core and our modules), build
the contract and router, load the CA bundle, read the config and the secret
through the extension, make the engine (the MySQL dialect and PyMySQL are
imported here), then connect over TLS, query and render the answer. The
sum is close to the cold start's figure; the parts say where it goes.
"""

import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import Context, setup_path


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    steps: list[tuple[str, float]] = []
    clock = time.perf_counter

    def step(name: str, started: float) -> float:
        now = clock()
        steps.append((name, (now - started) * 1000))
        return now

    t = clock()
    from shop import api as entry  # noqa: F401 (the handler module itself)

    t = step("import the handler module (keep-alive path only)", t)
    gc.disable()
    from shop import logs
    from shop.app import Api
    from shop.runtime import build_runtime

    t = step("import the app: SQLAlchemy Core, our modules", t)
    logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
    from shop import contract, routes
    from shop.router import Router

    router = Router(contract.load_document(), routes.HANDLERS)
    t = step("load the contract, build the router", t)
    runtime = build_runtime()
    t = step("build the runtime: load the CA bundle into one SSLContext", t)
    gc.enable()
    gc.freeze()
    loader = runtime.config_loader
    loader.get(loader.stage_for(Context().invoked_function_arn))
    t = step("read the config through the extension", t)
    secret = runtime.read_secret(os.environ["SHOP_DB_SECRET_ARN"])
    t = step("read the database secret through the extension", t)
    from shop.db import Database, make_engine
    from shop.runtime import database_settings

    settings = database_settings(os.environ, lambda _secret_id, fresh=False: secret)
    credentials = settings.credentials  # as shop.runtime.Runtime.database makes it
    engine = make_engine(settings, ssl_context=runtime.ssl_context, credentials=credentials)
    runtime.database = Database(engine, ssl_context=runtime.ssl_context, credentials=credentials)
    t = step("make the engine (secret parsed, MySQL dialect and PyMySQL imported)", t)
    api = Api(runtime, router)
    answer = api.handle(spec["event"], Context("req-steps"))
    step("first request: connect over TLS, COUNT + page SELECT, render JSON", t)
    print(
        json.dumps(
            {
                "steps": steps,
                "status": answer["statusCode"],
                "aws_sdk": sorted(m for m in ("boto3", "botocore") if m in sys.modules),
            }
        )
    )


if __name__ == "__main__":
    main()
