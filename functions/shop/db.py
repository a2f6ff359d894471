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
is a 503 with Retry-After, never a stack trace.
"""

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from shop.errors import ServiceUnavailable

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


@dataclass(frozen=True)
class DatabaseSettings:
    url: URL
    ca_bundle: str | None = None
    connect_timeout: int = 3
    read_timeout: int = 10
    write_timeout: int = 10
    lock_wait_timeout: int = 5  # below read_timeout, see make_engine


def build_ssl_context(ca_bundle: str) -> ssl.SSLContext:
    """Return a context that verifies the server's certificate and host name."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def make_engine(settings: DatabaseSettings, *, ssl_context: ssl.SSLContext | None = None) -> Engine:
    """Return an engine that opens a new connection for every request (NullPool)."""
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
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def unavailable_reason(exc: BaseException) -> str | None:
    """Return why `exc` means the database is unavailable, or None if it means something else."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "lost the connection to the database"
    orig = getattr(exc, "orig", None)
    code = orig.args[0] if orig is not None and orig.args else None
    if isinstance(code, int) and code in UNAVAILABLE_CODES:
        return UNAVAILABLE_CODES[code]
    if isinstance(exc, OperationalError):
        text = str(orig or exc).lower()
        if "locked" in text or "unable to open" in text:  # SQLite, locally
            return "the database is busy"
    return None


class Database:
    """Hands out one connection per request and always closes it."""

    def __init__(self, engine: Engine, *, ssl_context: ssl.SSLContext | None = None):
        self.engine = engine
        self.ssl_context = ssl_context  # the one context every connect reuses

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """Yield a fresh connection; map unavailability to ServiceUnavailable; always close."""
        try:
            conn = self.engine.connect()
        except DBAPIError as exc:
            reason = unavailable_reason(exc) or "cannot connect to the database"
            raise ServiceUnavailable(reason) from exc
        try:
            yield conn
        except DBAPIError as exc:
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            raise ServiceUnavailable(reason) from exc
        finally:
            conn.close()
