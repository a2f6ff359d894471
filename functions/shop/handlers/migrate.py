"""Entry point of the migrate function, invoked by the deploy.

`{"action": "upgrade"}` (the default) applies every pending migration;
`{"action": "current"}` only reports the revision. It runs inside the VPC
with the same secret and TLS settings as the api.
"""

import os

_runtime = None
ACTIONS = ("upgrade", "current")


def handler(event, context):
    global _runtime
    from shop import logs, migrations
    from shop.runtime import build_runtime

    action = event.get("action", "upgrade") if isinstance(event, dict) else None
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    if _runtime is None:
        logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
        _runtime = build_runtime()
    loader = _runtime.config_loader
    loader.stage_for(getattr(context, "invoked_function_arn", None))  # refuses unknown aliases
    engine = _runtime.database.engine
    before = migrations.current(engine)
    after = migrations.upgrade(engine) if action == "upgrade" else before
    return {"action": action, "before": before, "after": after, "head": migrations.head()}
