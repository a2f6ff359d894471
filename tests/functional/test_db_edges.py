"""The database wrapper, at the edges, without a MariaDB server.

What the driver is asked for is read where SQLAlchemy hands it over (the
`do_connect` event, before any socket is opened), and what the caller sees
of a failing database through `Database.connect()`; SQLite stands in for a
working server. tests/functional/test_lessons.py covers the same code
against MariaDB over TLS.
"""

import ssl

import pymysql
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from shop import db as shopdb
from shop.errors import ServiceUnavailable
from support.mariadb import make_tls


def asked_for(engine, *, fail_with: Exception | None = None) -> list[dict]:
    """Record the driver's connect arguments; optionally fail the connect with `fail_with`."""
    seen = []

    @event.listens_for(engine, "do_connect")
    def record(_dialect, _record, _cargs, cparams):
        seen.append(dict(cparams))
        if fail_with is not None:
            raise fail_with

    return seen


def open_once(engine) -> None:
    with shopdb.Database(engine).connect():
        pass


def mysql_settings(**changes):
    return shopdb.DatabaseSettings(url="mysql+pymysql://shop:pw@127.0.0.1:1/shop", **changes)


def test_mysql_connects_within_the_connect_timeout_and_bounds_lock_waits():
    settings = mysql_settings(connect_timeout=2, lock_wait_timeout=4)
    context = ssl.create_default_context()
    engine = shopdb.make_engine(settings, ssl_context=context)
    seen = asked_for(engine, fail_with=pymysql.err.OperationalError(2003, "refused"))

    with pytest.raises(ServiceUnavailable, match="cannot reach the database"):
        open_once(engine)

    (args,) = seen
    assert (args["connect_timeout"], args["read_timeout"], args["write_timeout"]) == (2, 2, 2)
    assert args["charset"] == "utf8mb4"
    assert args["init_command"] == (
        "SET SESSION innodb_lock_wait_timeout = 4, lock_wait_timeout = 4"
    )
    assert args["ssl"] is context


def test_mysql_defaults_connect_in_3_s_wait_for_locks_5_s_and_without_context_no_tls():
    engine = shopdb.make_engine(mysql_settings())
    seen = asked_for(engine, fail_with=pymysql.err.OperationalError(2003, "refused"))
    with pytest.raises(ServiceUnavailable), shopdb.Database(engine).connect():
        pass
    (args,) = seen
    assert (args["connect_timeout"], args["read_timeout"]) == (3, 3)
    assert "lock_wait_timeout = 5" in args["init_command"]
    assert "ssl" not in args


def test_once_connected_a_mysql_connection_reads_and_writes_with_the_query_timeouts():
    settings = mysql_settings(read_timeout=7, write_timeout=8)
    engine = shopdb.make_engine(settings)

    class DriverConnection:
        _read_timeout = _write_timeout = None

    raw = DriverConnection()
    ours = [fn for fn in engine.pool.dispatch.connect if fn.__module__ == "shop.db"]
    assert len(ours) == 1
    ours[0](raw, None)
    assert (raw._read_timeout, raw._write_timeout) == (7, 8)


def test_sqlite_waits_for_a_lock_within_the_connect_timeout_with_foreign_keys_and_wal(
    tmp_path,
):
    settings = shopdb.DatabaseSettings(url=f"sqlite:///{tmp_path / 'x.db'}", connect_timeout=4)
    engine = shopdb.make_engine(settings)
    seen = asked_for(engine)
    with shopdb.Database(engine).connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert seen[0]["timeout"] == 4


def test_a_new_connection_per_request_closed_after_it(tmp_path):
    engine = shopdb.make_engine(shopdb.DatabaseSettings(url=f"sqlite:///{tmp_path / 'x.db'}"))
    seen = asked_for(engine)
    database = shopdb.Database(engine)
    held = []
    for _ in range(2):
        with database.connect() as conn:
            held.append(conn)
            conn.execute(text("SELECT 1"))
    assert len(seen) == 2
    assert all(conn.closed for conn in held)


def test_a_failure_inside_a_request_closes_the_connection_and_keeps_its_meaning(tmp_path):
    engine = shopdb.make_engine(shopdb.DatabaseSettings(url=f"sqlite:///{tmp_path / 'x.db'}"))
    database = shopdb.Database(engine)
    held = []
    with pytest.raises(OperationalError, match="no such table"), database.connect() as conn:
        held.append(conn)
        conn.execute(text("SELECT * FROM nowhere"))
    with pytest.raises(ValueError), database.connect() as conn:
        held.append(conn)
        raise ValueError("not the database's")
    assert all(conn.closed for conn in held)


def driver_error(code: int, message: str = "x", **kwargs) -> DBAPIError:
    return OperationalError("SELECT 1", {}, pymysql.err.OperationalError(code, message), **kwargs)


# For each MySQL error number that means "try again later": what a client
# reads in the 503, and the Cause an operator reads on the ServiceUnavailable metric.
TRY_AGAIN_LATER = [
    (1040, "the database has too many connections", "too_many_connections"),
    (1053, "the database is shutting down", "shutting_down"),
    (1205, "the database is busy (lock wait timeout)", "lock_wait"),
    (1213, "the database resolved a deadlock; retry", "deadlock"),
    (2002, "cannot reach the database", "unreachable"),
    (2003, "cannot reach the database", "unreachable"),
    (2006, "the database went away", "connection_lost"),
    (2013, "lost the connection to the database", "connection_lost"),
]


@pytest.mark.parametrize(("code", "reason", "cause"), TRY_AGAIN_LATER)
def test_every_try_again_later_code_in_a_request_is_a_503_that_says_why(
    tmp_path, code, reason, cause
):
    engine = shopdb.make_engine(shopdb.DatabaseSettings(url=f"sqlite:///{tmp_path / 'x.db'}"))
    with pytest.raises(ServiceUnavailable) as caught, shopdb.Database(engine).connect():
        raise driver_error(code)
    assert (str(caught.value), caught.value.cause) == (reason, cause)
    assert isinstance(caught.value.__cause__, DBAPIError)


def test_no_other_code_is_a_try_again_later():
    assert sorted(shopdb.UNAVAILABLE_CODES) == [code for code, _, _ in TRY_AGAIN_LATER]


def test_what_is_and_is_not_unavailability():
    reason = shopdb.unavailable_reason
    assert reason(driver_error(1062, "Duplicate entry")) is None
    assert reason(driver_error(1040)) == "the database has too many connections"
    assert reason(ValueError("x")) is None
    invalidated = driver_error(1064, connection_invalidated=True)
    assert reason(invalidated) == "lost the connection to the database"
    locked = OperationalError("x", {}, Exception("database is locked"))
    assert reason(locked) == "the database is busy"
    cannot_open = OperationalError("x", {}, Exception("unable to open database file"))
    assert reason(cannot_open) == "the database is busy"
    other = OperationalError("x", {}, Exception("disk I/O error"))
    assert reason(other) is None
    no_args = OperationalError("x", {}, Exception())
    assert reason(no_args) is None
    text_code = OperationalError("x", {}, Exception("1040"))
    assert reason(text_code) is None
    without_driver_error = OperationalError("UPDATE t -- database is locked", {}, None)
    assert reason(without_driver_error) == "the database is busy"


def test_a_connect_failure_that_is_not_a_known_code_still_is_a_503():
    engine = shopdb.make_engine(mysql_settings())
    asked_for(engine, fail_with=pymysql.err.OperationalError(1049, "Unknown database"))
    with pytest.raises(ServiceUnavailable, match="^cannot connect to the database$") as caught:
        open_once(engine)
    assert isinstance(caught.value.__cause__, DBAPIError)


def test_a_known_code_at_connect_says_what_it_is():
    engine = shopdb.make_engine(mysql_settings())
    asked_for(engine, fail_with=pymysql.err.OperationalError(1040, "Too many connections"))
    with pytest.raises(ServiceUnavailable, match="^the database has too many connections$"):
        open_once(engine)


def test_the_tls_context_verifies_the_server_and_its_name_with_tls_1_2_or_later(tmp_path):
    tls = make_tls(tmp_path)
    context = shopdb.build_ssl_context(str(tls.ca))
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert len(context.get_ca_certs()) == 1
    database = shopdb.Database(shopdb.make_engine(mysql_settings()), ssl_context=context)
    assert database.ssl_context is context
