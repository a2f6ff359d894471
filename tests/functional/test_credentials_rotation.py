"""The application's login: least privilege, kept by migrate, and rotated
under a warm function without a failed request."""

import json

import pymysql
import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from shop import dbusers
from shop.credentials import SecretsManagerSource
from support.events import LambdaContext, load_event

pytestmark = pytest.mark.mariadb


@pytest.fixture
def app_secret(aws):
    client = aws.session.client("secretsmanager")
    # As Terraform creates it: a name, no value.
    arn = client.create_secret(Name="shop-dev-db-app-test")["ARN"]
    return arn, SecretsManagerSource(client)


@pytest.fixture
def master(mariadb, clean_db):
    """A login like RDS's master user: every right, with the grant option."""
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS t_master@'%' IDENTIFIED BY 'master-pass'")
        cur.execute("GRANT ALL PRIVILEGES ON *.* TO t_master@'%' WITH GRANT OPTION")
    url = f"mysql+pymysql://t_master:master-pass@127.0.0.1:{mariadb.port}/{clean_db}"
    engine = create_engine(url, poolclass=NullPool)
    yield engine
    engine.dispose()


def connect_as(secret: dict, mariadb, database: str):
    """A connection as the secret's user, over the test server's TLS."""
    return pymysql.connect(
        host="127.0.0.1",
        port=mariadb.port,
        user=secret["username"],
        password=secret["password"],
        database=database,
        ssl={"ca": str(mariadb.tls.ca)},
    )


def health(api) -> int:
    return api.handle(load_event("health"), LambdaContext("dev"))["statusCode"]


def test_migrate_creates_a_data_only_user_whose_password_only_the_secret_holds(
    master, app_secret, clean_db, mariadb
):
    arn, store = app_secret
    kept = dbusers.ensure(master, store, arn, base="t_app", database=clean_db)
    assert kept == {"user": "t_app_a", "action": "rotated"} | {"action": "created"}
    secret = store.read(arn)
    assert secret["username"] == "t_app_a" and len(secret["password"]) >= 32
    conn = connect_as(secret, mariadb, clean_db)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM products")
        with pytest.raises(pymysql.err.OperationalError) as refused:
            cur.execute("CREATE TABLE sneaky (id INT)")
        assert refused.value.args[0] == 1142  # command denied: data rights only
        with pytest.raises(pymysql.err.OperationalError):
            cur.execute("DROP TABLE notifications")
    # A second run syncs, it does not rotate.
    again = dbusers.ensure(master, store, arn, base="t_app", database=clean_db)
    assert again == {"user": "t_app_a", "action": "synced"}
    assert store.read(arn) == secret


def test_a_warm_function_survives_two_rotations_by_rereading_its_secret_once(
    master, app_secret, clean_db, make_api, caplog
):
    # GIVEN a warm api logged in as the application user
    arn, store = app_secret
    dbusers.ensure(master, store, arn, base="t_app", database=clean_db)
    api = make_api({"SHOP_DB_SECRET_ARN": arn})
    assert health(api) == 200
    credentials = api.runtime.database.credentials
    assert credentials.username == "t_app_a"

    # WHEN the login rotates once, THEN the old user still works: nothing to re-read
    dbusers.rotate(master, store, arn, base="t_app", database=clean_db)
    assert health(api) == 200 and credentials.refreshes == 0

    # WHEN it rotates again (the function's user gets a new password)
    dbusers.rotate(master, store, arn, base="t_app", database=clean_db)
    # THEN the next request is refused once (1045), re-reads the secret and succeeds
    assert [health(api) for _ in range(3)] == [200, 200, 200]
    assert credentials.refreshes == 1 and credentials.username == "t_app_a"
    assert any("re-read the secret" in r.getMessage() for r in caplog.records)


def test_a_wrong_password_is_a_503_after_a_single_re_read(aws, make_api):
    client = aws.session.client("secretsmanager")
    arn = client.create_secret(
        Name="wrong", SecretString=json.dumps({"username": "nobody", "password": "wrong-pass"})
    )["ARN"]
    api = make_api({"SHOP_DB_SECRET_ARN": arn})
    answer = api.handle(load_event("health"), LambdaContext("dev"))
    assert answer["statusCode"] == 503
    assert "refused the credentials" in json.loads(answer["body"])["error"]["message"]
    assert api.runtime.database.credentials.refreshes == 1


def test_the_migrate_function_keeps_the_app_user_and_rotates_it_when_asked(
    master, app_secret, clean_db, lambda_env, make_api, aws, mariadb, monkeypatch
):
    # GIVEN the migrate function as Terraform configures it: the master secret to
    # log in with, and the application's secret, created empty, to keep
    from shop.handlers import migrate

    arn, store = app_secret
    login = {"username": master.url.username, "password": master.url.password}
    master_arn = aws.session.client("secretsmanager").create_secret(
        Name="shop-dev-db-master", SecretString=json.dumps(login)
    )["ARN"]
    env = {
        **lambda_env,
        "SHOP_DB_SECRET_ARN": master_arn,
        "SHOP_DB_APP_SECRET_ARN": arn,
        "SHOP_DB_APP_USER": "t_app",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(migrate, "_runtime", None)
    context = LambdaContext("dev", function="shop-dev-migrate")

    # WHEN the deploy runs it (an upgrade) THEN the app user exists and the secret names it
    assert migrate.handler({"action": "upgrade"}, context)["app_user"] == {
        "user": "t_app_a",
        "action": "created",
    }
    secret = store.read(arn)
    assert secret["username"] == "t_app_a" and secret["dbname"] == clean_db
    with connect_as(secret, mariadb, clean_db) as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.OperationalError) as refused:
            cur.execute("CREATE TABLE sneaky (id INT)")
        assert refused.value.args[0] == 1142  # data rights only

    # WHEN it runs again THEN the login is kept as it is; `current` touches no login
    assert migrate.handler({}, context)["app_user"] == {"user": "t_app_a", "action": "synced"}
    assert store.read(arn) == secret
    assert "app_user" not in migrate.handler({"action": "current"}, context)

    # WHEN asked to rotate THEN the other user gets a new password and the secret
    assert migrate.handler({"action": "rotate"}, context)["app_user"] == {
        "user": "t_app_b",
        "action": "rotated",
    }
    rotated = store.read(arn)
    assert rotated["username"] == "t_app_b" and rotated["password"] != secret["password"]
    # ... and an api reading that secret logs in with it
    api = make_api({"SHOP_DB_SECRET_ARN": arn})
    assert health(api) == 200 and api.runtime.database.credentials.username == "t_app_b"
