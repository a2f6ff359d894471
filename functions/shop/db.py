"""The database: one engine per container, one connection per request.

The engine uses `NullPool`: nothing is kept between requests, so a container
that Lambda freezes or kills leaves no stale connection behind on the
server. Each request opens exactly one connection in `Database.connect()`,
which closes it whatever happens. Timeouts stay well below the function's.

TLS: pymysql builds a fresh SSLContext from the CA bundle on every connect
when given paths; with NullPool that is every request (~20 ms). We build one
verifying context at init and hand the same object to every connect.

Driver errors become our own: an unreachable or saturated server
(MySQL 1040 "Too many connections", 2003, 2006, 2013, lock wait timeouts)
is a 503 with Retry-After, never a stack trace. Each 503 names a cause
(the `Cause` dimension of the ServiceUnavailable metric), and every connect
records its time (DatabaseConnectTime), both through shop.metrics.

Rotated passwords: with `credentials` (shop.credentials), every connect
takes the user and password from them, and a connect refused with 1045
re-reads the secret once and tries again before it becomes a 503.
Statements' parameters never appear in exceptions (`hide_parameters`), so
a logged error cannot carry a customer's e-mail address.
"""

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from shop import metrics
from shop.errors import ServiceUnavailable, ShopError

# MySQL/MariaDB error numbers that mean "try again later", not "your fault".
UNAVAILABLE_CODES = {
    1040: "the database has too many connections",
    1053: "the database is shutting down",
    1205: "the database is busy (lock wait timeout)",
    1213: "the database resolved a deadlock; retry",
    2002: "cannot reach the database",
    2003: "cannot reach the database",
    2006: "the database went away",
    2013: "lost the connection to the database",
}
ACCESS_DENIED = 1045
# Short fixed names for the 503 metric's Cause dimension.
CAUSES = {
    1040: "too_many_connections",
    1045: "credentials",
    1053: "shutting_down",
    1205: "lock_wait",
    1213: "deadlock",
    2002: "unreachable",
    2003: "unreachable",
    2006: "connection_lost",
    2013: "connection_lost",
}


@dataclass(frozen=True)
class DatabaseSettings:
    url: URL
    ca_bundle: str | None = None
    connect_timeout: int = 3
    read_timeout: int = 10
    write_timeout: int = 10
    lock_wait_timeout: int = 5  # below read_timeout, see make_engine
    credentials: object = None  # shop.credentials.DatabaseCredentials when from a secret


def build_ssl_context(ca_bundle: str) -> ssl.SSLContext:
    """Return a context that verifies the server's certificate and host name."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def make_engine(
    settings: DatabaseSettings, *, ssl_context: ssl.SSLContext | None = None, credentials=None
) -> Engine:
    """Return an engine that opens a new connection for every request (NullPool).

    With `credentials`, each connection logs in with their current user and password.
    """
    url = make_url(settings.url) if isinstance(settings.url, str) else settings.url
    connect_args: dict = {}
    if url.get_backend_name() == "mysql":
        connect_args = {
            "connect_timeout": settings.connect_timeout,
            # pymysql applies connect_timeout to the TCP connect only and reads the
            # handshake (greeting, TLS, auth, init_command) with read_timeout: a hung
            # server would cost read_timeout per request. Connect within the connect
            # timeout; _query_timeouts switches to the query timeouts once connected.
            "read_timeout": settings.connect_timeout,
            "write_timeout": settings.connect_timeout,
            "charset": "utf8mb4",
            # The server bounds lock waits itself, below the read timeout: when the
            # client gives up on a read, the server-side session would otherwise keep
            # waiting (InnoDB's default is 50 s) holding the transaction's locks, and
            # every retry would queue behind it. A bounded wait ends in 1205, a 503.
            "init_command": (
                f"SET SESSION innodb_lock_wait_timeout = {settings.lock_wait_timeout}, "
                f"lock_wait_timeout = {settings.lock_wait_timeout}"
            ),
        }
        if ssl_context is not None:
            connect_args["ssl"] = ssl_context
    elif url.get_backend_name() == "sqlite":
        connect_args = {"timeout": settings.connect_timeout}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args, hide_parameters=True)
    if credentials is not None:
        event.listen(engine, "do_connect", _login_with(credentials))
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if url.get_backend_name() == "mysql":
        event.listen(engine, "connect", _query_timeouts(settings))
    return engine


def _query_timeouts(settings: DatabaseSettings):
    def listener(dbapi_connection, _record) -> None:
        # pymysql has no public setter; it applies these before every read and write.
        dbapi_connection._read_timeout = settings.read_timeout
        dbapi_connection._write_timeout = settings.write_timeout

    return listener


def _login_with(credentials):
    def listener(_dialect, _record, _cargs, cparams) -> None:
        cparams.update(credentials.connect_params())

    return listener


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def error_code(exc: BaseException) -> int | None:
    """Return the MySQL error number behind `exc`, if any."""
    orig = getattr(exc, "orig", None)
    code = orig.args[0] if orig is not None and orig.args else None
    return code if isinstance(code, int) else None


def unavailable_cause(exc: BaseException) -> str:
    """Return the short name of why `exc` made the database unavailable."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "connection_lost"
    code = error_code(exc)
    if code in CAUSES:
        return CAUSES[code]
    return "busy" if isinstance(exc, OperationalError) and code is None else "unreachable"


def unavailable_reason(exc: BaseException) -> str | None:
    """Return why `exc` means the database is unavailable, or None if it means something else."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "lost the connection to the database"
    code = error_code(exc)
    if code in UNAVAILABLE_CODES:
        return UNAVAILABLE_CODES[code]
    if isinstance(exc, OperationalError):
        text = str(exc.orig or exc).lower()
        if "locked" in text or "unable to open" in text:  # SQLite, locally
            return "the database is busy"
    return None


class Database:
    """Hands out one connection per request and always closes it."""

    def __init__(
        self,
        engine: Engine,
        *,
        ssl_context: ssl.SSLContext | None = None,
        credentials=None,
        timer=time.perf_counter,
    ):
        self.engine = engine
        self.ssl_context = ssl_context  # the one context every connect reuses
        self.credentials = credentials  # shop.credentials.DatabaseCredentials, or None
        self._timer = timer

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """Yield a fresh connection; map unavailability to ServiceUnavailable; always close."""
        conn = self._open()
        try:
            yield conn
        except DBAPIError as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            raise ServiceUnavailable(reason, cause=unavailable_cause(exc)) from exc
        finally:
            conn.close()

    def _open(self) -> Connection:
        try:
            return self._timed_connect()
        except DBAPIError as exc:
            if error_code(exc) == ACCESS_DENIED and self.credentials is not None:
                return self._connect_with_fresh_credentials()
            raise _unavailable(exc) from exc

    def _connect_with_fresh_credentials(self) -> Connection:
        # The password may have been rotated: re-read the secret once, past any cache.
        try:
            self.credentials.refresh()
        except ShopError as exc:  # the secret itself is unreadable
            raise ServiceUnavailable(exc.message, cause="credentials") from exc
        try:
            return self._timed_connect()
        except DBAPIError as exc:
            raise _unavailable(exc) from exc

    def _timed_connect(self) -> Connection:
        started = self._timer()
        conn = self.engine.connect()
        metrics.put("DatabaseConnectTime", round((self._timer() - started) * 1000, 3))
        return conn


def _unavailable(exc: DBAPIError) -> ServiceUnavailable:
    if error_code(exc) == ACCESS_DENIED:
        return ServiceUnavailable("the database refused the credentials", cause="credentials")
    reason = unavailable_reason(exc) or "cannot connect to the database"
    return ServiceUnavailable(reason, cause=unavailable_cause(exc))
