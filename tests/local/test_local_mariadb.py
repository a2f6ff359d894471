"""With a mysql+pymysql DATABASE_URL the stack runs on MariaDB the way AWS
runs on RDS: the credentials live in a (local) Secrets Manager secret and
the functions get SHOP_DB_SECRET_ARN/HOST/PORT/NAME, not the URL."""

import pytest
import requests
from localkit import API_KEY, TFVARS, LogFile

from support.mariadb import free_port

pytestmark = pytest.mark.mariadb


@pytest.fixture(scope="module")
def mariadb_stack(mariadb, tmp_path_factory):
    from local.system import Options, Stack

    state = tmp_path_factory.mktemp("mariadb-stack")
    stack = Stack(
        Options(
            state_dir=state,
            api_port=free_port(),
            web_port=None,
            moto_port=free_port(),
            tfvars=TFVARS,
            api_key=API_KEY,
            database_url=mariadb.url("shop_local_stack"),
            throttle=False,
        ),
        log=LogFile(state / "stack.log"),
    )
    stack.start()
    yield stack
    stack.stop()


def test_the_stack_migrates_seeds_and_serves_from_mariadb(mariadb, mariadb_stack):
    assert mariadb_stack.migration["after"] == mariadb_stack.migration["head"]
    health = requests.get(f"{mariadb_stack.api_url}/v1/health", timeout=30)
    assert health.json() == {"status": "ok", "database": "ok", "stage": "dev"}
    with mariadb.admin(database="shop_local_stack") as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM products")
        assert cur.fetchone()[0] == mariadb_stack.seeded > 0


def test_the_functions_read_their_credentials_from_secrets_manager(mariadb, mariadb_stack):
    env = mariadb_stack.pools["shop-dev-api"].spec.env
    assert "DATABASE_URL" not in env
    assert env["SHOP_DB_SECRET_ARN"].startswith("arn:aws:secretsmanager:eu-west-1:")
    assert (env["SHOP_DB_HOST"], env["SHOP_DB_PORT"]) == ("127.0.0.1", str(mariadb.port))
    assert env["SHOP_DB_NAME"] == "shop_local_stack"
    assert mariadb.password not in env.values()
