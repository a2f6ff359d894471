"""Connecting, at the edges, without a MariaDB server: rotated passwords, 503 causes, timing.

A `do_connect` listener stands in for the server's answer to a login: it
records the user and password the driver was given, refuses the ones it
is told to refuse with MySQL's 1045, and otherwise lets SQLite answer.
What is asserted is what an operator sees: which 503 a client gets, the
`Cause` of the ServiceUnavailable metric, how often the secret is re-read,
and the DatabaseConnectTime value.
"""

import sqlite3

import pymysql
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from shop import db as shopdb
from shop import metrics
from shop.errors import ServiceUnavailable, ShopError


class Credentials:
    """Stands in for shop.credentials.DatabaseCredentials: a password rotated by `refresh`."""

    def __init__(self, password="old", *, rotated_to="new", unreadable=False):
        self.password, self.rotated_to, self.unreadable = password, rotated_to, unreadable
        self.refreshed = 0

    def connect_params(self):
        return {"user": "shop", "password": self.password}

    def refresh(self):
        self.refreshed += 1
        if self.unreadable:
            raise ShopError("cannot read the database secret")
        self.password = self.rotated_to


def refused():
    return sqlite3.OperationalError(1045, "Access denied for user 'shop'")


def server(engine, *answers) -> list[tuple[str, str]]:
    """Answer logins on `engine` in turn: an exception to raise, or None to let SQLite in."""
    logins, answers = [], list(answers)

    @event.listens_for(engine, "do_connect")
    def login(_dialect, _record, _cargs, cparams):
        logins.append((cparams.pop("user", None), cparams.pop("password", None)))
        answer = answers.pop(0) if answers else None
        if answer is not None:
            raise answer

    return logins


def sqlite_engine(tmp_path, credentials=None):
    settings = shopdb.DatabaseSettings(url=f"sqlite:///{tmp_path / 'shop.db'}")
    return shopdb.make_engine(settings, credentials=credentials)


def unavailable(engine, credentials=None) -> ServiceUnavailable:
    """Open a request's connection, which must fail; return the 503 it failed with."""
    with (
        pytest.raises(ServiceUnavailable) as caught,
        shopdb.Database(engine, credentials=credentials).connect(),
    ):
        pass
    return caught.value


def test_a_rotated_password_is_read_again_once_and_the_request_goes_on(tmp_path):
    credentials = Credentials()
    engine = sqlite_engine(tmp_path, credentials)
    logins = server(engine, refused())
    with shopdb.Database(engine, credentials=credentials).connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert logins == [("shop", "old"), ("shop", "new")]
    assert credentials.refreshed == 1


def test_credentials_still_refused_after_a_fresh_read_are_a_503_with_cause_credentials(tmp_path):
    credentials = Credentials(rotated_to="old")
    engine = sqlite_engine(tmp_path, credentials)
    logins = server(engine, refused(), refused())
    error = unavailable(engine, credentials)
    assert (error.message, error.cause) == ("the database refused the credentials", "credentials")
    assert error.headers == {"Retry-After": "2"}
    assert isinstance(error.__cause__, DBAPIError)
    assert logins == [("shop", "old"), ("shop", "old")]
    assert credentials.refreshed == 1


def test_an_unreadable_secret_is_a_503_that_says_so(tmp_path):
    credentials = Credentials(unreadable=True)
    engine = sqlite_engine(tmp_path, credentials)
    logins = server(engine, refused())
    error = unavailable(engine, credentials)
    assert (error.message, error.cause) == ("cannot read the database secret", "credentials")
    assert isinstance(error.__cause__, ShopError)
    assert logins == [("shop", "old")]


def test_a_server_gone_after_the_fresh_read_is_a_503_for_that_reason(tmp_path):
    credentials = Credentials()
    engine = sqlite_engine(tmp_path, credentials)
    gone = sqlite3.OperationalError(2003, "Can't connect to MySQL server")
    logins = server(engine, refused(), gone)
    error = unavailable(engine, credentials)
    assert (error.message, error.cause) == ("cannot reach the database", "unreachable")
    assert isinstance(error.__cause__, DBAPIError)
    assert len(logins) == 2


def test_without_credentials_a_refused_login_is_not_tried_again(tmp_path):
    engine = sqlite_engine(tmp_path)
    logins = server(engine, refused(), refused())
    error = unavailable(engine)
    assert (error.message, error.cause) == ("the database refused the credentials", "credentials")
    assert logins == [(None, None)]


def test_only_a_refused_login_reads_the_secret_again(tmp_path):
    credentials = Credentials()
    engine = sqlite_engine(tmp_path, credentials)
    busy = sqlite3.OperationalError(1040, "Too many connections")
    logins = server(engine, busy)
    error = unavailable(engine, credentials)
    assert (error.message, error.cause) == (
        "the database has too many connections",
        "too_many_connections",
    )
    assert credentials.refreshed == 0
    assert logins == [("shop", "old")]


def test_each_connection_logs_in_with_the_current_credentials():
    credentials = Credentials(password="s3cret")
    engine = shopdb.make_engine(
        shopdb.DatabaseSettings(url="mysql+pymysql://ignored:ignored@127.0.0.1:1/shop"),
        credentials=credentials,
    )
    seen = []

    @event.listens_for(engine, "do_connect")
    def record(_dialect, _record, _cargs, cparams):
        seen.append((cparams["user"], cparams["password"]))
        raise pymysql.err.OperationalError(2003, "refused")

    for password in ("s3cret", "rotated"):
        credentials.password = password
        with pytest.raises(ServiceUnavailable), shopdb.Database(engine).connect():
            pass
    assert seen == [("shop", "s3cret"), ("shop", "rotated")]


def test_every_connect_records_its_time_in_milliseconds(tmp_path):
    ticks = iter([2.0, 2.0123456])
    database = shopdb.Database(sqlite_engine(tmp_path), timer=lambda: next(ticks))
    with metrics.recording("dev") as recorder, database.connect():
        pass
    assert recorder.values == {("DatabaseConnectTime", None): [12.346]}


def test_statement_parameters_never_appear_in_an_error(tmp_path):
    engine = sqlite_engine(tmp_path)
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text("INSERT INTO nowhere VALUES (:email)"), {"email": "ada@example.com"})
    assert "ada@example.com" not in str(caught.value)


def driver_error(code, cls=OperationalError, **kwargs):
    return cls("SELECT 1", {}, pymysql.err.OperationalError(code, "x"), **kwargs)


def test_the_causes_an_operator_reads_on_the_metric():
    cause = shopdb.unavailable_cause
    assert cause(driver_error(1045)) == "credentials"
    assert cause(driver_error(1062, connection_invalidated=True)) == "connection_lost"
    assert cause(driver_error(1205)) == "lock_wait"
    assert cause(OperationalError("x", {}, Exception("database is locked"))) == "busy"
    assert cause(driver_error(1049)) == "unreachable"
    assert cause(InterfaceError("x", {}, Exception("closed"))) == "unreachable"
    assert cause(ValueError("x")) == "unreachable"


def test_the_error_number_is_read_from_the_driver_error_only():
    code = shopdb.error_code
    assert code(driver_error(1045)) == 1045
    assert code(OperationalError("x", {}, Exception(2013, "Lost connection"))) == 2013
    assert code(OperationalError("x", {}, Exception("1045"))) is None
    assert code(OperationalError("x", {}, Exception())) is None
    assert code(OperationalError("x", {}, None)) is None
    assert code(ValueError(1045)) is None
