"""Shared fixtures: a throwaway MariaDB (TLS on), moto for AWS, and the api
built exactly as in Lambda (secret -> URL, CA bundle -> SSLContext), with
the session, environment and clock passed in instead of patched."""

import io
import json
import logging
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SHOP_CONTRACT_PATH", str(ROOT / "api" / "openapi.yaml"))
for key, value in {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}.items():
    os.environ[key] = value
os.environ.pop("AWS_PROFILE", None)

from support.data import DEV_CONFIG, PRODUCT, SENDER, api_env  # noqa: E402
from support.events import LambdaContext  # noqa: E402
from support.mariadb import MariaDB, make_tls  # noqa: E402

pytest_plugins = ["support.timings"]  # each whole tier's duration, for the docs

TABLES = ("notifications", "order_lines", "orders", "products")
# Tiers whose every log line is scanned for personal data and passwords.
SCANNED_TIERS = ("functional", "drills")
# Every record of a scanned test, as the functions write it (shop.logs.JsonFormatter).
JSON_LINES = pytest.StashKey[io.StringIO]()


@pytest.fixture(autouse=True)
def log_lines_as_the_functions_write_them(request):
    """Keep every record logged during a scanned test as a JSON line, fields included.

    pytest's own captured log shows a record's message and traceback, not the
    fields passed with `extra=` (a send's `reason`, a 503's `cause`), which the
    functions' lines carry: the scan reads both.
    """
    if Path(request.node.path).parent.name not in SCANNED_TIERS:
        yield
        return
    from shop.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="shop-test"))
    root = logging.getLogger()
    root.addHandler(handler)
    request.node.stash[JSON_LINES] = stream
    try:
        yield
    finally:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def logging_put_back(monkeypatch):
    """Put back, after every test, what shop.logs.configure changes (a function's cold
    invocation runs it): the root logger's handlers and level, and logging's switches.
    Otherwise a later test's records would go to the stdout that test captured."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    for flag in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing", "logAsyncioTasks"):
        monkeypatch.setattr(logging, flag, getattr(logging, flag))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Fail a functional test or drill whose log lines or captured output show an
    e-mail address or a password."""
    outcome = yield
    report = outcome.get_result()
    if report.outcome != "passed" or Path(item.path).parent.name not in SCANNED_TIERS:
        return
    from support import pii
    from support.mariadb import MariaDB

    captured = "\n".join(text for name, text in report.sections if name.startswith("Captured"))
    lines = item.stash.get(JSON_LINES, None)
    if lines is not None:
        captured += "\n" + lines.getvalue()
    found = pii.findings(captured, passwords=(MariaDB.password,))
    if found:
        report.outcome = "failed"
        report.longrepr = "personal data or a password in the logs:\n" + "\n".join(found[:20])


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    base = tmp_path_factory.mktemp("mariadb")
    server = MariaDB(base, tls=make_tls(base / "tls"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mariadb_schema(mariadb):
    """Create and migrate the test database once per session; return its name."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from shop import migrations

    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS shop_test CHARACTER SET utf8mb4")
    engine = create_engine(mariadb.url("shop_test"), poolclass=NullPool)
    migrations.upgrade(engine)
    engine.dispose()
    return "shop_test"


@pytest.fixture
def clean_db(mariadb, mariadb_schema):
    """Empty every table before the test; return the database name."""
    with mariadb.admin(database=mariadb_schema) as conn, conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS=0")
        for table in TABLES:
            cur.execute(f"TRUNCATE TABLE {table}")
    return mariadb_schema


class FakeAws:
    """moto-backed AWS with the stage's config, topic, sender and DB secret."""

    def __init__(self, session):
        self.session = session
        self.ssm = session.client("ssm")
        self.sns = session.client("sns")
        self.ses = session.client("ses")
        self.topic_arn = self.sns.create_topic(Name="shop-dev-order-events")["TopicArn"]
        self.ses.verify_email_identity(EmailAddress=SENDER)
        self.secret_arn = None

    def set_config(self, stage: str = "dev", **changes) -> dict:
        config = {**DEV_CONFIG, **changes}
        self.ssm.put_parameter(
            Name=f"/shop/{stage}/config", Type="String", Value=json.dumps(config), Overwrite=True
        )
        return config

    def put_db_secret(self, username: str, password: str) -> str:
        client = self.session.client("secretsmanager")
        secret = json.dumps({"username": username, "password": password})
        self.secret_arn = client.create_secret(Name="shop-dev-db", SecretString=secret)["ARN"]
        return self.secret_arn

    def sent_emails(self) -> list[dict]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][self.session.region_name]
        return [
            {"to": m.destinations["ToAddresses"], "subject": m.subject, "body": m.body}
            for m in backend.sent_messages
        ]

    def published(self) -> list[dict]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        topic = sns_backends[DEFAULT_ACCOUNT_ID][self.session.region_name].topics[self.topic_arn]
        return [json.loads(message) for _id, message, *_ in topic.sent_notifications]

    def extension(self, *, token: str, **options):
        """The Parameters and Secrets extension, emulated on 127.0.0.1 over this AWS (to start)."""
        from local.extension import ExtensionServer

        secrets = self.session.client("secretsmanager")
        return ExtensionServer(ssm=self.ssm, secrets=secrets, token=token, **options)


@pytest.fixture(scope="module")
def moto_server():
    """A moto server on a free 127.0.0.1 port (one per test module); yield its URL."""
    from moto.server import ThreadedMotoServer

    from support.mariadb import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws():
    import boto3
    from moto import mock_aws

    with mock_aws():
        fake = FakeAws(boto3.session.Session(region_name="eu-west-1"))
        fake.set_config("dev")
        yield fake


@pytest.fixture
def extension(aws):
    """The Parameters and Secrets extension, emulated on 127.0.0.1 over the mocked AWS.

    Its own cache is off (TTL 0) so that the config loader's TTL is the only
    one in play; tests of the extension's cache set one themselves.
    """
    with aws.extension(
        token="session-token-of-this-environment", parameter_ttl=0, secret_ttl=0
    ) as server:
        yield server


@pytest.fixture
def lambda_env(aws, extension, mariadb, clean_db):
    """The api's environment as Terraform sets it, pointing at the test MariaDB over TLS."""
    secret_arn = aws.put_db_secret(mariadb.user, mariadb.password)
    return {
        **api_env(
            extension_env=extension.env(), secret_arn=secret_arn, mariadb=mariadb, database=clean_db
        ),
        "SHOP_TOPIC_ARN": aws.topic_arn,
    }


@pytest.fixture
def make_api(aws, lambda_env):
    """Return a factory of Api objects built like the handler builds them."""
    from shop.app import build_api

    def factory(env_changes=None, **kwargs):
        return build_api({**lambda_env, **(env_changes or {})}, session=aws.session, **kwargs)

    return factory


@pytest.fixture
def api(make_api):
    return make_api()


@pytest.fixture
def context():
    return LambdaContext("dev")


class Answer:
    """A proxy result, decoded."""

    def __init__(self, result: dict):
        self.raw = result
        self.status = result["statusCode"]
        self.headers = result["headers"]
        self.json = json.loads(result["body"]) if result["body"] else None

    def __repr__(self):
        return f"<Answer {self.status} {self.json}>"


@pytest.fixture
def call(api, context):
    """Invoke the api with a sample event (see support.events.load_event) and decode the answer."""
    from support.events import load_event

    def invoke(name: str, *, target=None, alias: str | None = "dev", **overrides) -> Answer:
        ctx = context if alias == "dev" else LambdaContext(alias)
        return Answer((target or api).handle(load_event(name, **overrides), ctx))

    return invoke


@pytest.fixture
def add_product(call):
    """Create a product through the API; return its JSON."""

    def create(**fields) -> dict:
        answer = call("create_product", body={**PRODUCT, **fields})
        assert answer.status == 201, answer
        return answer.json

    return create
