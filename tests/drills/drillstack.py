"""The drills' world: a MariaDB of their own and the local stack as `make dev` runs it.

The stack runs as `python -m local.stack` in its own process group (so the
gateway shares no interpreter with the load it serves) against a MariaDB the
drills start, kill and restart themselves; the shared test server is never
touched. The functions connect as `drill_app`, a user without SUPER, so
`max_connections` binds them exactly as RDS binds the application.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pymysql
import requests

from local.launch import Launched, launch
from support.mariadb import MariaDB, free_port

ROOT = Path(__file__).resolve().parents[2]
APP_USER, APP_PASSWORD = "drill_app", "drill-app-password"
API_KEY = "drill-admin-key"
START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20


def function_db_timeouts() -> dict[str, int]:
    """Return the connect/read timeouts the functions use when the stage sets none (as locally)."""
    from shop.runtime import database_settings

    settings = database_settings({"DATABASE_URL": "mysql+pymysql://u:p@127.0.0.1/db"}, None)
    return {"connect": settings.connect_timeout, "read": settings.read_timeout}


# --- the drills' MariaDB -----------------------------------------------------------


class DrillServer:
    """A throwaway MariaDB (no TLS: the local stack connects without it) and its app user."""

    def __init__(self, base: Path):
        self.server = MariaDB(base)

    @property
    def port(self) -> int:
        return self.server.port

    def start(self) -> None:
        self.server.start()
        with self.server.admin() as conn, conn.cursor() as cur:
            cur.execute(
                "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (APP_USER, APP_PASSWORD)
            )
            # Only the drills' databases, and no SUPER: the +1 connection MariaDB keeps
            # for SUPER users stays the admin's.
            cur.execute(f"GRANT ALL PRIVILEGES ON `drill\\_%`.* TO '{APP_USER}'@'%'")

    def kill(self) -> None:
        """SIGKILL the server, like a crashed database host."""
        self.server.kill()

    def restart(self) -> None:
        """Start it again on the same data dir and port (InnoDB recovers what was committed)."""
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def url(self, database: str) -> str:
        return f"mysql+pymysql://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str | None = None) -> pymysql.Connection:
        return self.server.admin(**({"database": database} if database else {}))

    def app_connection(self, database: str, **kwargs) -> pymysql.Connection:
        """Return a TCP connection as the app user (a competing client, a lock holder)."""
        return pymysql.connect(
            host="127.0.0.1",
            port=self.port,
            user=APP_USER,
            password=APP_PASSWORD,
            database=database,
            connect_timeout=5,
            **kwargs,
        )

    def query(self, database: str, sql: str, args=()) -> list[tuple]:
        with self.admin(database) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def global_value(self, sql: str) -> str:
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute(sql)
            return str(cur.fetchone()[-1])

    def threads_connected(self) -> int:
        """Return Threads_connected (the admin connection asking counts itself, always 1)."""
        return int(self.global_value("SHOW GLOBAL STATUS LIKE 'Threads_connected'"))

    def app_sessions(self) -> list[tuple]:
        """Return (id, command, time, state, info) of every session of the app user."""
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 80) "
                "FROM information_schema.PROCESSLIST WHERE USER = %s ORDER BY ID",
                (APP_USER,),
            )
            return list(cur.fetchall())

    def open_transactions(self) -> list[tuple]:
        """Return (thread id, state) of every open InnoDB transaction."""
        with self.admin() as conn, conn.cursor() as cur:
            cur.execute("SELECT trx_mysql_thread_id, trx_state FROM information_schema.INNODB_TRX")
            return list(cur.fetchall())

    def wait_for_sessions(self, expected: int, *, baseline: int, timeout: float = 10) -> dict:
        """Wait until the app has `expected` sessions and Threads_connected is `baseline`.

        Returns what was seen last, with the seconds it took.
        """
        started = time.monotonic()
        while True:
            sessions, threads = self.app_sessions(), self.threads_connected()
            seen = {
                "app_sessions": sessions,
                "threads_connected": threads,
                "seconds": round(time.monotonic() - started, 2),
            }
            if len(sessions) == expected and threads == baseline:
                return seen
            if time.monotonic() - started > timeout:
                return seen
            time.sleep(0.1)


# --- the local stack, as `make dev` runs it -------------------------------------------


def tfvars_value(name: str):
    """Return a top-level value of envs/dev.tfvars (what the drills' stack runs with)."""
    from local import tfvars

    return tfvars.load(ROOT / "envs" / "dev.tfvars")[name]


def drill_tfvars(directory: Path, *, api_timeout_s: int | None = None) -> Path:
    """Write envs/dev.tfvars with order e-mails on (dev has them off) and INFO logs.

    `api_timeout_s` replaces the api function's timeout. JSON values are valid
    tfvars literals, so no HCL writer is needed.
    """
    from local import tfvars

    values = tfvars.load(ROOT / "envs" / "dev.tfvars")
    app_config = values.setdefault("app_config", {})
    app_config["log_level"] = "INFO"
    app_config["features"] = {**app_config.get("features", {}), "order_emails": True}
    if api_timeout_s is not None:
        values["functions"]["api"]["timeout_s"] = api_timeout_s
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "drill.tfvars"
    path.write_text(tfvars.dump(values))
    return path


@dataclass
class LocalStack(Launched):
    database: str = ""
    api_key: str = API_KEY

    def api_workers(self) -> dict[int, dict]:
        """Return the api function's workers by pid."""
        answer = requests.get(f"{self.api_url}/_local/workers", timeout=10).json()
        pool = next(p for name, p in answer.items() if name.endswith("-api"))
        return {w["pid"]: w for w in pool["workers"]}

    def invoke(self, function: str, event: object) -> tuple[object, str | None]:
        """Invoke shop-dev-<function>:dev through the stack's Lambda Invoke API.

        Returns (payload, function error header or None).
        """
        name = f"shop-dev-{function}:dev"
        url = f"{self.api_url}/_local/lambda/2015-03-31/functions/{name}/invocations"
        answer = requests.post(url, json=event, timeout=300)
        answer.raise_for_status()
        return answer.json(), answer.headers.get("X-Amz-Function-Error")

    def aws(self, service: str):
        import boto3

        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        ).client(service, endpoint_url=self.aws_url)

    def outbox(self) -> dict:
        return requests.get(f"{self.api_url}/_local/outbox", timeout=10).json()

    def create_product(self, sku: str, *, stock: int, price: str = "10.00") -> int:
        body = {"sku": sku, "name": sku, "category": "drill", "price": price, "stock": stock}
        answer = requests.post(
            f"{self.api_url}/v1/products",
            json=body,
            headers={"x-api-key": self.api_key},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def local_stack(
    server: DrillServer,
    directory: Path,
    *,
    database: str,
    concurrency: int = 6,
    api_timeout_s: int | None = None,
    integration_timeout: float | None = None,
    function_env: dict[str, str] | None = None,
):
    """Run `python -m local.stack` on free ports against `database`; stop it on exit.

    `function_env` is added to every function's environment (another SNS or SES endpoint).
    """
    api_port, moto_port = free_port(), free_port()
    command = [
        "--api-port",
        str(api_port),
        "--moto-port",
        str(moto_port),
        "--no-web",
        "--state-dir",
        str(directory / "state"),
        "--tfvars",
        str(drill_tfvars(directory, api_timeout_s=api_timeout_s)),
        "--api-key",
        API_KEY,
        "--database-url",
        server.url(database),
        "--no-seed",
        "--no-throttle",  # the drills measure the system, not the usage plan
        "--cache-ttl",
        "0",  # every request reaches the function and the database (dev has no cache)
        "--concurrency",
        str(concurrency),
    ]
    if integration_timeout is not None:
        command += ["--integration-timeout", str(integration_timeout)]
    for key, value in (function_env or {}).items():
        command += ["--function-env", f"{key}={value}"]
    launched = launch(command, directory / "stack.log", timeout=START_TIMEOUT_S)
    stack = LocalStack(launched.process, launched.log_path, launched.urls, database=database)
    try:
        yield stack
    finally:
        stack.stop(STOP_TIMEOUT_S)
