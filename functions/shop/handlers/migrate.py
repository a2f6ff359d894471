"""Entry point of the migrate function, invoked by the deploy.

`{"action": "upgrade"}` (the default) applies every pending migration, then
makes sure the application user exists with the app secret's password and
its grants; `{"action": "rotate"}` gives the application a new login
(shop.dbusers); `{"action": "current"}` only reports the revision. It runs
inside the VPC as the master user (the RDS-managed secret), the only
function that does, with the same TLS settings as the api.
"""

import logging

_runtime = None
ACTIONS = ("upgrade", "current", "rotate")
log = logging.getLogger("shop.migrate")


def handler(event, context):
    from shop import logs

    action = event.get("action", "upgrade") if isinstance(event, dict) else None
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    with logs.invocation(context, cold=_runtime is None):
        result = _run(action, context)
        log.info("migrate run", extra=result)  # revisions and a user name, never a password
        return result


def _run(action: str, context) -> dict:
    global _runtime
    from shop import migrations
    from shop.runtime import build_runtime

    if _runtime is None:
        _runtime = build_runtime()
    loader = _runtime.config_loader
    loader.stage_for(getattr(context, "invoked_function_arn", None))  # refuses unknown aliases
    engine = _runtime.database.engine
    before = migrations.current(engine)
    after = migrations.upgrade(engine) if action == "upgrade" else before
    result = {"action": action, "before": before, "after": after, "head": migrations.head()}
    if action in ("upgrade", "rotate") and _runtime.env.get("SHOP_DB_APP_SECRET_ARN"):
        result["app_user"] = _app_user(action, engine)
    return result


def _app_user(action: str, engine) -> dict:
    from shop import dbusers
    from shop.credentials import SecretsManagerSource

    store = SecretsManagerSource(_runtime.clients["secretsmanager"])
    keep = dbusers.rotate if action == "rotate" else dbusers.ensure
    return keep(
        engine,
        store,
        _runtime.env["SHOP_DB_APP_SECRET_ARN"],
        base=_runtime.env.get("SHOP_DB_APP_USER", "app"),
        database=engine.url.database,
    )
