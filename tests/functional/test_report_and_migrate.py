"""The report and migrate functions, through their real handlers."""

import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from shop import migrations
from shop.schema import metadata
from support.events import LambdaContext


@pytest.fixture
def function_env(lambda_env, monkeypatch):
    for key, value in lambda_env.items():
        monkeypatch.setenv(key, value)


def test_report_summarises_yesterday_retries_and_emails(
    function_env, call, add_product, aws, mariadb, monkeypatch
):
    from shop.handlers import report

    monkeypatch.setattr(report, "_runtime", None)
    mug = add_product(sku="MUG", price="12.50", stock=50)["id"]
    tea = add_product(sku="TEA", price="3.20", stock=50)["id"]
    for lines in (((mug, 2),), ((mug, 1), (tea, 4))):
        body = {
            "customer_email": "ada@example.com",
            "items": [{"product_id": p, "quantity": q} for p, q in lines],
        }
        assert call("create_order", body=body, headers={"Idempotency-Key": None}).status == 201
    # One confirmation failed earlier: mark it so the report job retries it.
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE notifications SET status='failed', last_error='throttled', "
            "next_attempt_at=created_at WHERE kind='order_email' LIMIT 1"
        )
    sent_before = len(aws.sent_emails())
    today = datetime.datetime.now(datetime.UTC).date().isoformat()

    result = report.handler({"date": today}, LambdaContext("dev", function="shop-dev-report"))

    assert result["orders"] == 2 and result["revenue"] == "50.30"
    assert result["top_products"][0] == {"sku": "TEA", "name": "Enamel mug", "units": 4}
    assert result["retried"] == {"sent": 1, "failed": 0, "parked": 0, "deferred": 0}
    assert result["notifications"] == {"sent": 4}
    emails = aws.sent_emails()[sent_before:]
    assert len(emails) == 2  # the retried confirmation and the report itself
    report_mail = next(e for e in emails if e["subject"].startswith("[dev] Orders on"))
    assert report_mail["to"] == ["ops@dev.shop.example.com"]
    assert "Revenue: 50.30 EUR" in report_mail["body"]


def test_report_defaults_to_yesterday_and_refuses_a_bad_date(function_env, monkeypatch):
    from shop.handlers import report

    monkeypatch.setattr(report, "_runtime", None)
    result = report.handler({}, LambdaContext("dev"))
    yesterday = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
    assert result["date"] == yesterday.isoformat() and result["orders"] == 0
    with pytest.raises(ValueError, match="date must look like"):
        report.handler({"date": "yesterday"}, LambdaContext("dev"))


def test_migrations_build_exactly_the_schema_the_code_uses(mariadb):
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS shop_migrate")
        cur.execute("CREATE DATABASE shop_migrate CHARACTER SET utf8mb4")
    engine = create_engine(mariadb.url("shop_migrate"), poolclass=NullPool)
    assert migrations.current(engine) is None
    assert migrations.upgrade(engine) == migrations.head() == "0002"
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    assert diff == []
    assert migrations.upgrade(engine) == "0002"  # idempotent


def test_migrate_handler_reports_before_and_after(function_env, mariadb, monkeypatch):
    from shop.handlers import migrate

    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS shop_fresh")
        cur.execute("CREATE DATABASE shop_fresh CHARACTER SET utf8mb4")
    monkeypatch.setenv("SHOP_DB_NAME", "shop_fresh")
    monkeypatch.setattr(migrate, "_runtime", None)
    context = LambdaContext("dev", function="shop-dev-migrate")
    assert migrate.handler({"action": "current"}, context)["after"] is None
    result = migrate.handler({}, context)
    assert (result["before"], result["after"], result["head"]) == (None, "0002", "0002")
    with pytest.raises(ValueError, match="action must be one of upgrade, current"):
        migrate.handler({"action": "drop"}, context)
    with pytest.raises(Exception, match="not served by this function"):
        migrate.handler({}, LambdaContext("prod"))


def test_report_and_migrate_lines_carry_the_invocation_ids_and_cold_start(
    function_env, monkeypatch, capsys
):
    # GIVEN fresh report and migrate containers
    import json

    from shop.handlers import migrate, report

    monkeypatch.setattr(report, "_runtime", None)
    monkeypatch.setattr(migrate, "_runtime", None)

    # WHEN each is invoked twice
    for request_id in ("relay-1", "relay-2"):
        context = LambdaContext("dev", function="shop-dev-report", request_id=request_id)
        report.handler({"action": "relay"}, context)
    for request_id in ("migrate-1", "migrate-2"):
        context = LambdaContext("dev", function="shop-dev-migrate", request_id=request_id)
        migrate.handler({"action": "current"}, context)

    # THEN every line of theirs names its invocation, and only the first one is cold
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    runs = {line["function_request_id"]: line for line in lines if line["message"].endswith("run")}
    assert set(runs) == {"relay-1", "relay-2", "migrate-1", "migrate-2"}
    assert [runs[r]["cold_start"] for r in sorted(runs)] == [True, False, True, False]
    assert all("function_request_id" in line and "cold_start" in line for line in lines)
