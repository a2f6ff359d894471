"""Wires the local stack together; `Stack.start()` brings it up in dependency order.

moto first (seeded from the stage's tfvars), then the worker pools, the
migrations (the real migrate handler, as deploy invokes it), the gateway,
the first-start catalogue (through the gateway) and the storefront.
`stop()` undoes it in reverse. Tests use this class in-process; `make dev`
uses it through `local.stack`.
"""

import dataclasses
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from local import cache, contract, functions, httpd, seed, stage, web
from local.aws import LocalAws
from local.control import Control
from local.events import Stage
from local.extension import ExtensionServer
from local.gateway import Gateway
from local.limits import INTEGRATION_TIMEOUT_SECONDS, TokenBucket
from local.workers import Pool, stderr_sink

ROOT = Path(__file__).resolve().parents[1]


class StackError(RuntimeError):
    """The stack could not start; the message says why and what to do."""


@dataclass
class Options:
    state_dir: Path
    root: Path = ROOT
    api_port: int = 3000
    web_port: int | None = 8080  # None: no storefront server
    moto_port: int = 3001
    tfvars: Path | None = None  # default: <root>/envs/<stage>.tfvars
    project: str = "shop"
    stage: str = "dev"
    concurrency: int = 4
    cache_ttl: float | None = None  # None: the stage's (0 when its cache is off)
    cache_key_drop: tuple[str, ...] = ()
    integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS
    api_key: str | None = None  # default: kept in <state dir>/api-key
    database_url: str | None = None  # default: SQLite file in the state dir
    seed: bool = True
    throttle: bool = True
    record_events: int = 0
    function_env: dict[str, str] = field(default_factory=dict)  # added to every function's


class Stack:
    def __init__(self, options: Options, *, log=stderr_sink):
        self.options, self.log = options, log
        self.aws = self.extension = self.gateway = self.api_server = self.web_server = None
        self.pools: dict[str, Pool] = {}
        self.notes: list[str] = []
        self.migration: dict = {}
        self.seeded = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.options.api_port}"

    @property
    def web_url(self) -> str | None:
        port = self.options.web_port
        return f"http://127.0.0.1:{port}" if port else None

    def start(self) -> None:
        """Bring everything up; if a part fails (or Ctrl-C), stop what started and re-raise.

        StackError, OSError (a port) and ValueError (the tfvars) carry a message for people.
        """
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        opts = self.options
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        tfvars = opts.tfvars or opts.root / "envs" / f"{opts.stage}.tfvars"
        values = stage.load(tfvars, stage=opts.stage)
        values = self._with_local_origins(values)
        self.stage_values = values
        self.api_key = opts.api_key or self._stored_api_key()

        self.aws = LocalAws(opts.moto_port, region=values.region)
        self.aws.start()
        db_url = opts.database_url or f"sqlite:///{opts.state_dir.resolve() / 'shop.db'}"
        self.database_url = db_url
        credentials = None
        if db_url.startswith("mysql"):
            parts = functions.split_mysql_url(db_url)
            ensure_mysql_database(parts)
            credentials = {"username": parts["username"], "password": parts["password"]}
        resources = self.aws.seed(
            project=opts.project,
            stage=values.name,
            app_config=values.app_config,
            db_credentials=credentials,
        )
        # The Parameters and Secrets extension every function reads config and secret through.
        self.extension = ExtensionServer(
            ssm=self.aws.client("ssm"),
            secrets=self.aws.client("secretsmanager"),
            token=os.urandom(16).hex(),
            parameter_ttl=values.config_ttl_seconds,
        ).start()
        specs = functions.build_specs(
            root=opts.root,
            extension_env=self.extension.env(),
            project=opts.project,
            stage=values,
            resources=resources,
            moto_endpoint=self.aws.endpoint,
            lambda_endpoint=f"{self.api_url}/_local/lambda",
            database_env=functions.database_env(db_url, secret_arn=resources.secret_arn),
        )
        for name, spec in specs.items():
            spec.env.update(opts.function_env)
            size = opts.concurrency if name.endswith("-api") else 1
            self.pools[name] = Pool(spec, max_workers=size, cwd=opts.root, log=self.log)

        self.migration = self.invoke("migrate", {"action": "upgrade"})
        self._start_gateway(values)
        if opts.seed:
            # Seed through a private port: the public one answers nothing, not
            # even /v1/health, until the catalogue is complete.
            private = httpd.Server(self.gateway.handle, port=0)
            private.start()
            try:
                self.seeded = seed.seed(private.url, self.api_key, marker=opts.state_dir / "seeded")
            finally:
                private.stop()
            self.gateway.cache.flush()
        self.api_server = httpd.Server(self.gateway.handle, port=opts.api_port)
        self.api_server.start()
        if opts.web_port:
            site = web.Site(
                opts.root / "web",
                api_url=self.api_url,
                stage=values.name,
                contract_path=opts.root / "api" / "openapi.yaml",
            )
            self.web_server = httpd.Server(site, port=opts.web_port)
            self.web_server.start()

    def _start_gateway(self, values: stage.StageValues) -> None:
        opts = self.options
        api_name = f"{opts.project}-{values.name}-api"
        document = contract.load(
            opts.root / "api" / "openapi.yaml",
            {
                "region": values.region,
                "api_function_arn": functions.function_arn(values.region, api_name),
                **values.cors.placeholders(),
            },
        )
        ttl = values.cache_ttl if opts.cache_ttl is None else opts.cache_ttl
        self.cache_ttl = ttl
        response_cache = cache.ResponseCache(ttl, drop=opts.cache_key_drop)
        throttle = key_throttle = None
        if opts.throttle and values.throttle:
            throttle = TokenBucket(*values.throttle)
        if opts.throttle and values.key_throttle:
            key_throttle = TokenBucket(*values.key_throttle)
        control = Control(
            pools=self.pools,
            cache=response_cache,
            aws=self.aws,
            info={"api": self.api_url, "web": self.web_url, "aws": self.aws.endpoint},
            stage=values.name,
        )
        self.gateway = Gateway(
            document,
            self.pools,
            stage=Stage(values.name, "123456789012", variables={"alias": values.name}),
            cors_settings=values.cors,
            api_keys=frozenset({self.api_key}),
            cache=response_cache,
            throttle=throttle,
            key_throttle=key_throttle,
            integration_timeout=opts.integration_timeout,
            local_routes=control,
            log=lambda line: self.log(f"[gateway] {line}\n"),
            record_events=opts.record_events,
        )

    def _with_local_origins(self, values: stage.StageValues) -> stage.StageValues:
        """Put the local storefront's origin first in the allowlist when it is missing.

        The first origin is the one gateway errors carry (cors_primary_origin).
        """
        if not self.web_url or self.web_url in values.cors.allowed_origins:
            return values
        missing = [self.web_url]
        self.notes.append(
            f"{values.source} does not allow the origin(s) {', '.join(missing)}; "
            "added locally so the storefront can call the API"
        )
        origins = (*missing, *values.cors.allowed_origins)
        app_config = {**values.app_config, "cors_allowed_origins": list(origins)}
        cors_settings = dataclasses.replace(values.cors, allowed_origins=origins)
        return dataclasses.replace(values, app_config=app_config, cors=cors_settings)

    def _stored_api_key(self) -> str:
        path = self.options.state_dir / "api-key"
        if path.exists():
            return path.read_text().strip()
        key = "local-" + secrets.token_urlsafe(18)
        path.write_text(key + "\n")
        path.chmod(0o600)
        return key

    def invoke(self, function: str, event: object) -> object:
        """Invoke `<project>-<stage>-<function>` through its alias; raise StackError on error."""
        name = f"{self.options.project}-{self.options.stage}-{function}"
        outcome = self.pools[name].invoke(
            event, request_id=f"local-{time.time_ns()}", qualifier=self.options.stage
        )
        if outcome.error is not None:
            raise StackError(
                f"{name} failed: {outcome.error.get('errorType')}: "
                f"{outcome.error.get('errorMessage')} (its log is above)"
            )
        return outcome.result

    def stop(self) -> None:
        """Stop everything this stack started; safe to call twice."""
        for server in (self.web_server, self.api_server):
            if server is not None:
                server.stop()
        self.web_server = self.api_server = None
        for pool in self.pools.values():
            pool.close()
        self.pools = {}
        if self.extension is not None:
            self.extension.stop()
            self.extension = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None
        sys.stderr.flush()


def ensure_mysql_database(parts: dict) -> None:
    """Create the database of a MariaDB/MySQL URL if it is missing (RDS gets it from Terraform).

    Raises StackError naming the server when it cannot be reached.
    """
    import pymysql

    try:
        connection = pymysql.connect(
            host=parts["host"],
            port=parts["port"],
            user=parts["username"],
            password=parts["password"],
            connect_timeout=5,
        )
    except pymysql.err.MySQLError as exc:
        raise StackError(
            f"cannot reach MariaDB/MySQL at {parts['host']}:{parts['port']} as "
            f"{parts['username']!r}: {exc.args[-1] if exc.args else exc}. Start the server "
            "or fix DATABASE_URL (unset it to use SQLite)."
        ) from exc
    with connection, connection.cursor() as cursor:
        name = parts["database"].replace("`", "``")
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
