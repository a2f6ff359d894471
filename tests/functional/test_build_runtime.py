"""The built api zip and deps layer work as a deployed function would.

The real functions/ tree is built (in a temp copy, so build/ of the checkout is
left alone), the api zip is unpacked where Lambda puts it (/var/task) and the
deps layer where layers go (/opt, so /opt/python is on the path). A stand-in
for Lambda's bootstrap then runs under this interpreter (the runtime's minor
version) with -I -S: nothing from the venv is importable except what the real
runtime ships (boto3 and its dependencies), put on the path explicitly.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.lambda_layout import invoke, unpack

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = ROOT / "build.py"
EVENTS = ROOT / "tests" / "events"


def build_real_tree(base: Path, *args) -> subprocess.CompletedProcess:
    """Build a temp copy of the checkout's functions/ and api/ (the checkout's build/ stays)."""
    if not (ROOT / "functions/shop/api.py").exists():
        pytest.skip("functions/shop is not there yet")
    for part in ("functions", "api"):
        shutil.copytree(ROOT / part, base / part, ignore=shutil.ignore_patterns("__pycache__"))
    return subprocess.run(
        [sys.executable, str(BUILD_PY), "--root", str(base), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """The real api and migrate zips and their layers; return their build/ folder.

    The project budget is checked by its own test below, so that a package
    over budget still gets its run-time behaviour tested here.
    """
    repo = tmp_path_factory.mktemp("repo")
    result = build_real_tree(repo, "api", "migrate", "--budget", "api=50")
    assert result.returncode == 0, result.stderr
    return repo / "build"


@pytest.fixture(scope="module")
def lambda_root(artifacts, tmp_path_factory):
    """The api function with its layer, laid out like /var/task and /opt."""
    return unpack(
        tmp_path_factory.mktemp("lambda"), artifacts / "api.zip", [artifacts / "deps.zip"]
    )


@pytest.fixture(scope="module")
def module_extension(moto_server):
    """The Parameters and Secrets extension, emulated over the module's moto server."""
    import boto3

    from local.extension import ExtensionServer

    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with ExtensionServer(
        ssm=session.client("ssm", endpoint_url=moto_server),
        secrets=session.client("secretsmanager", endpoint_url=moto_server),
        token="token-of-the-built-artifact",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def function_env(moto_server, module_extension, mariadb, mariadb_schema):
    """The api's environment as Terraform sets it, against moto and the test MariaDB."""
    import boto3

    from support.data import DEV_CONFIG, api_env

    aws = {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": moto_server,
    }
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    ssm = session.client("ssm", endpoint_url=moto_server)
    ssm.put_parameter(
        Name="/shop/dev/config", Type="String", Value=json.dumps(DEV_CONFIG), Overwrite=True
    )
    secret = session.client("secretsmanager", endpoint_url=moto_server).create_secret(
        Name="shop-dev-db-built-artifact",
        SecretString=json.dumps({"username": mariadb.user, "password": mariadb.password}),
    )
    topic = session.client("sns", endpoint_url=moto_server).create_topic(Name="shop-dev-orders")
    yield {
        **aws,
        **api_env(
            extension_env=module_extension.env(),
            secret_arn=secret["ARN"],
            mariadb=mariadb,
            database=mariadb_schema,
        ),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_FUNCTION_VERSION": "7",
        "SHOP_TOPIC_ARN": topic["TopicArn"],
    }


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.mariadb
def test_built_api_answers_keepalive_then_health_like_a_deployed_function(
    lambda_root, function_env
):
    out = invoke(lambda_root, function_env, events=[event("warmer_ping"), event("health")])

    keepalive, health = out["results"]
    assert keepalive["result"]["warm"] is True and keepalive["result"]["cold_start"] is True
    assert keepalive["sqlalchemy"] is False, "a keep-alive must not import SQLAlchemy"
    assert health["result"]["statusCode"] == 200, health
    assert json.loads(health["result"]["body"]) == {
        "status": "ok",
        "database": "ok",
        "stage": "dev",
    }
    assert {"shop.api", "sqlalchemy", "pymysql"} <= set(out["from_package"])
    assert out["elsewhere"] == [], "only the package, the layer and the runtime are imported"
    assert out["without_pyc"] == [], "every imported module has its shipped bytecode"


@pytest.mark.mariadb
def test_read_requests_after_a_cold_start_never_import_boto3_or_botocore(lambda_root, function_env):
    # GIVEN a fresh interpreter laid out like Lambda, boto3 on the path as the runtime ships it
    reads = [
        event("health"),
        event("list_products"),
        {**event("get_product"), "path": "/v1/products/999999", "pathParameters": {"id": "999999"}},
        event("get_order"),
    ]
    # WHEN it serves the four read routes, config and secret through the extension
    out = invoke(lambda_root, function_env, events=reads)
    # THEN each was answered from the database and neither boto3 nor botocore was imported
    statuses = [r["result"]["statusCode"] for r in out["results"]]
    assert statuses == [200, 200, 404, 404], out["results"]
    assert all(r["sqlalchemy"] for r in out["results"])
    assert [r["aws_sdk"] for r in out["results"]] == [[], [], [], []]
    assert not any(m.startswith(("boto3", "botocore")) for m in out["from_package"])


@pytest.mark.mariadb
def test_built_migrate_function_upgrades_a_fresh_database(
    artifacts, function_env, mariadb, tmp_path
):
    # GIVEN the migrate zip with both its layers (SQLAlchemy Core without the ORM, and Alembic)
    root = unpack(
        tmp_path, artifacts / "migrate.zip", [artifacts / "deps.zip", artifacts / "migrations.zip"]
    )
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS shop_built_migrate")
        cur.execute("CREATE DATABASE shop_built_migrate CHARACTER SET utf8mb4")
    env = {**function_env, "SHOP_DB_NAME": "shop_built_migrate"}
    # WHEN the deploy invokes it
    out = invoke(root, env, handler="shop.handlers.migrate.handler", events=[{}])
    # THEN the schema is at the newest revision, using only what the package ships
    [result] = out["results"]
    assert result["result"]["before"] is None
    assert result["result"]["after"] == result["result"]["head"] == "0002"
    assert out["elsewhere"] == [] and out["without_pyc"] == []
    assert "sqlalchemy.orm" not in out["from_package"]


def test_the_real_tree_builds_within_lambda_limits_and_the_project_budget(tmp_path):
    result = build_real_tree(tmp_path)

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "build/manifest.json").read_text())
    assert set(manifest["functions"]) == {"api", "migrate", "pretraffic", "report", "warmer"}
    warmer = zipfile.ZipFile(tmp_path / "build/warmer.zip").namelist()
    assert not any("sqlalchemy" in n for n in warmer)
    assert {n for n in warmer if n.startswith("shop/")} == {
        "shop/__init__.py",
        "shop/__pycache__/__init__.cpython-312.pyc",
        "shop/logs.py",
        "shop/__pycache__/logs.cpython-312.pyc",
    }


def test_the_deps_layer_is_stripped_x86_64_manylinux_for_cp312(artifacts):
    from buildlib.spec import Target

    with zipfile.ZipFile(artifacts / "deps.zip") as zf:
        files = {name: zf.read(name) for name in zf.namelist()}

    elves = {n: d for n, d in files.items() if d[:4] == b"\x7fELF"}
    assert any(name.startswith("python/sqlalchemy/") for name in elves)
    assert all(int.from_bytes(d[18:20], "little") == 0x3E for d in elves.values())
    assert sum(map(len, elves.values())) < 2 * 2**20, "SQLAlchemy's .so are stripped (~9 MiB)"
    allowed = {str(tag) for tag in Target("python3.12", "x86_64").tags}
    wheels = [d.decode() for n, d in files.items() if n.endswith(".dist-info/WHEEL")]
    assert len(wheels) == 3  # PyMySQL, SQLAlchemy, typing_extensions: all from wheels
    for wheel in wheels:
        tags = {ln[5:] for ln in wheel.splitlines() if ln.startswith("Tag: ")}
        assert tags & allowed, tags
    assert not any(n.startswith(("python/boto3/", "python/botocore/")) for n in files)
    assert not any("/tests/" in n or n.endswith((".pyi", ".c", "RECORD")) for n in files)
