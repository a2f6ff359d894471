"""Everything a container builds once: config loader, secret, engine, AWS clients.

This is the one place dependencies are wired. Handlers call `build_runtime`
on their first real invocation (or before a SnapStart snapshot) and keep
the result for the life of the container; tests pass their own extension
client, session, environment and clock instead of patching anything.

What a read request pays for, in order: config and the database secret
come from the Parameters and Secrets extension over 127.0.0.1 (shop.
extension), never boto3; the engine is made on first use, once the secret
is known. boto3 and botocore are imported only when a write sends an SNS
event or an SES e-mail (`LazyClient`). Building the runtime calls nothing
remote, so it may run during init, where the extension does not answer yet.
"""

import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from shop.config import ConfigLoader
from shop.credentials import DatabaseCredentials, StringSecretSource
from shop.db import Database, DatabaseSettings, build_ssl_context, make_engine
from shop.errors import ConfigError
from shop.extension import ExtensionClient
from shop.notify import Notifier, SendBudget


class LazyClient:
    """A boto3 client made on its first call: the read path never imports botocore."""

    def __init__(self, service: str, session_factory: Callable[[], object], *, config=None):
        self.service = service
        self._session_factory = session_factory
        self._config = config  # a botocore Config factory; default: _client's
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = _client(self._session_factory(), self.service, self._config)
        return self._client

    @property
    def created(self) -> bool:
        return self._client is not None

    def __getattr__(self, name: str):
        return getattr(self.client, name)


class Runtime:
    """The container's long-lived objects; the engine is built on first use."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        extension: ExtensionClient,
        config_loader: ConfigLoader,
        clients: dict[str, LazyClient],
        ssl_context=None,
        send_budget: SendBudget | None = None,
    ):
        self.env = env
        # The stage the metrics are tagged with: the environment is fixed for
        # the container's life, so it is read here, not on every request.
        self.stage = env.get("SHOP_STAGE") or "local"
        self.extension = extension
        self.config_loader = config_loader
        self.clients = clients
        # Orders notify through clients bounded by the send budget (shop.notify).
        self.notifier = Notifier(
            sns=clients["notify_sns"],
            ses=clients["notify_ses"],
            topic_arn=env.get("SHOP_TOPIC_ARN"),
        )
        self.send_budget = send_budget or SendBudget()
        self.ssl_context = ssl_context
        self._database: Database | None = None
        self._lock = threading.Lock()

    @property
    def database(self) -> Database:
        """Return the Database, reading the secret and making the engine the first time."""
        if self._database is None:
            with self._lock:
                if self._database is None:
                    settings = database_settings(self.env, self.read_secret)
                    credentials = settings.credentials
                    engine = make_engine(
                        settings, ssl_context=self.ssl_context, credentials=credentials
                    )
                    self._database = Database(
                        engine, ssl_context=self.ssl_context, credentials=credentials
                    )
        return self._database

    @database.setter
    def database(self, database: Database) -> None:
        self._database = database

    def prime(self) -> None:
        """Import what the first engine would (the MySQL dialect, PyMySQL) without connecting.

        Run before a SnapStart snapshot or in a provisioned environment's
        init, where the secret cannot be read yet.
        """
        from sqlalchemy.engine import make_url

        if (self.env.get("DATABASE_URL") or "mysql").startswith("mysql"):
            url = make_url("mysql+pymysql://prime@127.0.0.1:1/prime")
            make_engine(DatabaseSettings(url=url), ssl_context=self.ssl_context).dispose()

    def read_secret(self, secret_id: str, *, fresh: bool = False) -> str:
        """Return the SecretString of `secret_id`; `fresh` bypasses the extension's cache."""
        return self.extension.secret(secret_id, fresh=fresh)

    def forget(self) -> None:
        """Drop what must be re-read after a SnapStart restore: config, secret, engine.

        With NullPool the engine holds no connection; dropping it drops the
        password the snapshot would otherwise have carried from before.
        """
        with self._lock:
            self.config_loader.forget()
            if self._database is not None:
                self._database.engine.dispose()
            self._database = None


def build_runtime(
    env: Mapping[str, str] | None = None,
    *,
    extension: ExtensionClient | None = None,
    session=None,
    clock: Callable[[], float] = time.monotonic,
) -> Runtime:
    """Return the container's runtime; raise ConfigError when the environment is incomplete.

    Nothing remote is called here: config is read per request, the secret
    on the first use of `Runtime.database`.
    """
    env = os.environ if env is None else env
    extension = extension or ExtensionClient.from_env(env)
    project = env.get("SHOP_PROJECT", "shop")
    local_mode = env.get("SHOP_LOCAL_MODE") == "1"
    stage = env.get("SHOP_STAGE")
    aliases = tuple(a for a in env.get("SHOP_ALIASES", stage or "").split(",") if a)
    if not aliases and not local_mode:
        raise ConfigError("SHOP_ALIASES (or SHOP_STAGE) must name the aliases this function serves")
    loader = ConfigLoader(
        fetch=extension.parameter,
        parameter_template=env.get("SHOP_CONFIG_PARAMETER", f"/{project}/{{alias}}/config"),
        aliases=aliases,
        ttl=float(env.get("SHOP_CONFIG_TTL_SECONDS", "60")),
        local_stage=(stage or "dev") if local_mode else None,
        site_origins=tuple(o for o in env.get("SHOP_SITE_ORIGIN", "").split(",") if o),
        clock=clock,
    )
    ca_bundle = env.get("SHOP_DB_CA_BUNDLE") or None
    ssl_context = build_ssl_context(ca_bundle) if ca_bundle else None

    def session_factory():
        if session is not None:
            return session
        import boto3

        return boto3.session.Session()

    clients = {name: LazyClient(name, session_factory) for name in ("sns", "ses", "secretsmanager")}
    # Notifications after an order: one attempt, bounded well below the send
    # budget (shop.notify.SEND_WORST_CASE_S), so a hanging SNS or SES costs a
    # request at most one read timeout; the relay retries what is left.
    for name in ("sns", "ses"):
        clients[f"notify_{name}"] = LazyClient(
            name, session_factory, config=notification_client_config
        )
    budget = SendBudget(
        seconds=float(env.get("SHOP_SEND_BUDGET_SECONDS", "5")),
        clock=clock,
        backoff_first=timedelta(seconds=float(env.get("SHOP_RELAY_BACKOFF_SECONDS", "60"))),
    )
    return Runtime(
        env,
        extension=extension,
        config_loader=loader,
        clients=clients,
        ssl_context=ssl_context,
        send_budget=budget,
    )


def _client(session, service: str, config_factory=None):
    from botocore.config import Config

    # Short timeouts and few retries: a slow AWS API must not hold a request
    # past the function's timeout (botocore's defaults are 60 s per attempt).
    config = (
        config_factory()
        if config_factory
        else Config(
            connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}
        )
    )
    return session.client(service, config=config)


def notification_client_config():
    """Return the botocore Config of the SNS and SES clients that send notifications."""
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=1.5, retries={"total_max_attempts": 1})


def database_settings(env: Mapping[str, str], read_secret) -> DatabaseSettings:
    """Return where and how to connect: DATABASE_URL locally, else host + secret.

    `read_secret(secret_id, fresh=False)` returns a SecretString (or is a
    shop.credentials.SecretSource); the credentials re-read it on 1045.
    """
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
    source = read_secret if hasattr(read_secret, "read") else StringSecretSource(read_secret)
    credentials = DatabaseCredentials(source, env["SHOP_DB_SECRET_ARN"])
    # The URL names the user but holds no password: each connect takes both
    # from `credentials`, which follow a rotated secret (shop.credentials).
    url = URL.create(
        "mysql+pymysql",
        username=credentials.username,
        host=env["SHOP_DB_HOST"],
        port=int(env.get("SHOP_DB_PORT", "3306")),
        database=env["SHOP_DB_NAME"],
    )
    return DatabaseSettings(url=url, ca_bundle=ca_bundle, credentials=credentials, **timeouts)
