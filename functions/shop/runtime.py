"""Everything a container builds once: clients, secret, engine, config loader.

This is the one place dependencies are wired. Handlers call `build_runtime`
on their first real invocation and keep the result for the life of the
container; tests pass their own session, environment and clock instead of
patching anything.
"""

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shop.config import ConfigLoader
from shop.db import Database, DatabaseSettings, build_ssl_context, make_engine
from shop.errors import ConfigError
from shop.notify import Notifier


@dataclass
class Runtime:
    clients: dict
    config_loader: ConfigLoader
    database: Database
    notifier: Notifier


def build_runtime(
    env: Mapping[str, str] | None = None,
    *,
    session=None,
    clock: Callable[[], float] = time.monotonic,
) -> Runtime:
    """Return the container's runtime; raise ConfigError when the environment is incomplete."""
    env = os.environ if env is None else env
    if session is None:
        import boto3

        session = boto3.session.Session()
    clients = _clients(session)
    project = env.get("SHOP_PROJECT", "shop")
    local_mode = env.get("SHOP_LOCAL_MODE") == "1"
    stage = env.get("SHOP_STAGE")
    aliases = tuple(a for a in env.get("SHOP_ALIASES", stage or "").split(",") if a)
    if not aliases and not local_mode:
        raise ConfigError("SHOP_ALIASES (or SHOP_STAGE) must name the aliases this function serves")
    ssm = clients["ssm"]
    loader = ConfigLoader(
        fetch=lambda name: ssm.get_parameter(Name=name)["Parameter"]["Value"],
        parameter_template=env.get("SHOP_CONFIG_PARAMETER", f"/{project}/{{alias}}/config"),
        aliases=aliases,
        ttl=float(env.get("SHOP_CONFIG_TTL_SECONDS", "60")),
        local_stage=(stage or "dev") if local_mode else None,
        site_origins=tuple(o for o in env.get("SHOP_SITE_ORIGIN", "").split(",") if o),
        clock=clock,
    )
    settings = database_settings(env, clients["secretsmanager"])
    ssl_context = build_ssl_context(settings.ca_bundle) if settings.ca_bundle else None
    database = Database(make_engine(settings, ssl_context=ssl_context), ssl_context=ssl_context)
    notifier = Notifier(sns=clients["sns"], ses=clients["ses"], topic_arn=env.get("SHOP_TOPIC_ARN"))
    return Runtime(clients, loader, database, notifier)


def _clients(session) -> dict:
    from botocore.config import Config

    # Short timeouts and few retries: a slow AWS API must not hold a request
    # past the function's timeout (botocore's defaults are 60 s per attempt).
    config = Config(
        connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}
    )
    return {
        name: session.client(name, config=config)
        for name in ("ssm", "secretsmanager", "sns", "ses")
    }


def database_settings(env: Mapping[str, str], secrets) -> DatabaseSettings:
    """Return where and how to connect: DATABASE_URL locally, else host + secret."""
    from sqlalchemy.engine import URL, make_url

    read_timeout = int(env.get("SHOP_DB_READ_TIMEOUT", "10"))
    timeouts = {
        "connect_timeout": int(env.get("SHOP_DB_CONNECT_TIMEOUT", "3")),
        "read_timeout": read_timeout,
        "write_timeout": read_timeout,
        # Lock waits end on the server before the client stops reading (see shop.db).
        "lock_wait_timeout": int(
            env.get("SHOP_DB_LOCK_WAIT_TIMEOUT", str(max(1, read_timeout // 2)))
        ),
    }
    ca_bundle = env.get("SHOP_DB_CA_BUNDLE") or None
    if env.get("DATABASE_URL"):
        return DatabaseSettings(url=make_url(env["DATABASE_URL"]), ca_bundle=ca_bundle, **timeouts)
    missing = [k for k in ("SHOP_DB_SECRET_ARN", "SHOP_DB_HOST", "SHOP_DB_NAME") if not env.get(k)]
    if missing:
        raise ConfigError(f"database settings missing: {', '.join(missing)} (or set DATABASE_URL)")
    try:
        secret = json.loads(
            secrets.get_secret_value(SecretId=env["SHOP_DB_SECRET_ARN"])["SecretString"]
        )
        username, password = secret["username"], secret["password"]
    except Exception as exc:
        # Never include the secret's value: only say which secret and why.
        raise ConfigError(
            f"cannot read the database secret {env['SHOP_DB_SECRET_ARN']}: {type(exc).__name__}"
        ) from None
    url = URL.create(
        "mysql+pymysql",
        username=username,
        password=password,
        host=env["SHOP_DB_HOST"],
        port=int(env.get("SHOP_DB_PORT", "3306")),
        database=env["SHOP_DB_NAME"],
    )
    return DatabaseSettings(url=url, ca_bundle=ca_bundle, **timeouts)
