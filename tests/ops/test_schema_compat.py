"""Expand/contract: the previous release's code keeps serving on the new schema.

A deploy migrates while the previous release still serves, and a rolled-back
canary or `make rollback` puts the previous code back in front of the
migrated schema. So the previous release's functions/ and contract (checked out from git:
the state of functions/ before its newest change) serves the API, through
its own handler in its own process, against a real MariaDB migrated to this
checkout's head. A migration that drops or renames what that code reads
fails this test; such a change belongs in a later contract migration.

The code before the newest change to functions/ may already know the newest
migration (a later commit changed only a handler), so the code from just
before the newest migration was added runs too: it is what served on the
schema the migration changed.
"""

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import boto3
import pytest

from support.data import DEV_CONFIG, PRODUCT, SENDER
from support.events import load_event

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = "functions/shop/migrations/versions/"

# Runs inside the previous release's functions/: the api's handler, named by
# that release's own functions.json, is the one interface every release keeps.
SCRIPT = """
import importlib, json, sys
module, _, name = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module), name)

class Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-api:dev"
    function_name = "shop-dev-api"
    function_version = "1"
    aws_request_id = "req-compat"
    memory_limit_in_mb = 512
    def get_remaining_time_in_millis(self):
        return 10_000

events = json.load(sys.stdin)
answers = {}
created = handler(events["create_product"], Context())
answers["create_product"] = created
assert created["statusCode"] == 201, created
product_id = json.loads(created["body"])["id"]
order = events["create_order"]
body = json.loads(order["body"])
body["items"][0]["product_id"] = product_id
order["body"] = json.dumps(body)
answers["create_order"] = handler(order, Context())
answers["list_products"] = handler(events["list_products"], Context())
print(json.dumps(answers))
"""


def previous_release() -> str:
    """Return the commit whose functions/ the newest change to functions/ replaced."""
    revs = subprocess.run(
        ["git", "log", "--format=%H", "-n", "2", "--", "functions/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    if len(revs) < 2:
        pytest.skip("no earlier release of functions/ in this clone's history (shallow clone?)")
    return revs[1]


def before_the_newest_migration() -> str:
    """Return the commit before the newest migration was added: code that never saw it."""
    added = subprocess.run(
        ["git", "log", "--format=%H", "--diff-filter=A", "-n", "1", "--", MIGRATIONS],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parent = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{added}^"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not added or not parent:
        pytest.skip("the commit before the newest migration is not in this clone (shallow clone?)")
    return parent


RELEASES = {
    "previous-release": previous_release,
    "before-newest-migration": before_the_newest_migration,
}


def api_handler(functions: Path) -> str:
    """Return the api's handler string as the release in `functions` declares it."""
    return json.loads((functions / "functions.json").read_text())["functions"]["api"]["handler"]


def checkout(rev: str, into: Path) -> Path:
    """Extract functions/ and api/ (the contract the code was built with) as of `rev`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "functions", "api"], cwd=ROOT, capture_output=True
    )
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "functions"


@pytest.mark.mariadb
@pytest.mark.parametrize("release", RELEASES)
def test_the_previous_release_serves_on_the_schema_migrated_to_head(
    mariadb, clean_db, moto_server, tmp_path, release
):
    # GIVEN a database migrated to this checkout's head (the session fixture
    # runs the current migrations) and the previous release's code
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from shop import migrations

    engine = create_engine(mariadb.url(clean_db), poolclass=NullPool)
    assert migrations.current(engine) == migrations.head()
    engine.dispose()
    old = checkout(RELEASES[release](), tmp_path)
    aws = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    session = boto3.session.Session(
        region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    ssm = session.client("ssm", endpoint_url=moto_server)
    ssm.put_parameter(
        Name="/shop/dev/config", Type="String", Value=json.dumps(DEV_CONFIG), Overwrite=True
    )
    topic = session.client("sns", endpoint_url=moto_server).create_topic(Name="shop-dev-orders")
    session.client("ses", endpoint_url=moto_server).verify_email_identity(EmailAddress=SENDER)
    from local.extension import ExtensionServer

    # The Parameters and Secrets extension the functions read config through,
    # emulated on 127.0.0.1 over the moto server.
    extension = ExtensionServer(
        ssm=ssm,
        secrets=session.client("secretsmanager", endpoint_url=moto_server),
        token="compat-session-token",
        parameter_ttl=0,
        secret_ttl=0,
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SHOP_"))},
        **aws,
        "PYTHONPATH": str(old),
        "SHOP_CONTRACT_PATH": str(tmp_path / "api" / "openapi.yaml"),
        "SHOP_STAGE": "dev",
        "SHOP_ALIASES": "dev",
        "DATABASE_URL": mariadb.url(clean_db),
        "SHOP_DB_CA_BUNDLE": str(mariadb.tls.ca),
        "SHOP_TOPIC_ARN": topic["TopicArn"],
    }
    events = {
        "create_product": load_event("create_product", body=PRODUCT),
        "create_order": load_event("create_order"),
        "list_products": load_event("list_products", query={}),
    }
    # WHEN the old handler serves a write, an order and a read
    with extension:
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, api_handler(old)],
            input=json.dumps(events),
            env={**env, **extension.env()},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-6000:]
    answers = json.loads(result.stdout.splitlines()[-1])
    # THEN every answer is what the old code meant, on the new schema
    assert answers["create_product"]["statusCode"] == 201, answers["create_product"]["body"]
    assert answers["create_order"]["statusCode"] == 201, answers["create_order"]["body"]
    listed = json.loads(answers["list_products"]["body"])
    assert [p["sku"] for p in listed["items"]] == [PRODUCT["sku"]]
