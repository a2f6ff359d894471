"""The serverless lessons, each shown on the real handler."""

import io
import json
import logging
import ssl
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shop.app import build_api
from support.events import LambdaContext, load_event

ROOT = Path(__file__).resolve().parents[2]


# 1. Heavy init outside the handler ------------------------------------------


def test_second_invocation_rebuilds_nothing(aws, extension, lambda_env, monkeypatch, context):
    # GIVEN the handler module as Lambda loads it, with the function's environment
    for key, value in lambda_env.items():
        monkeypatch.setenv(key, value)
    from shop import api as module

    monkeypatch.setattr(module, "_api", None)
    event = load_event("health")
    # WHEN it is invoked twice in the same process
    first = module.handler(event, context)
    built = module._api
    parts = (built.runtime.config_loader, built.runtime.database.engine, built.router)
    reads = extension.requests
    second = module.handler(event, context)
    # THEN the second call reused every heavy object, asked the extension for nothing
    # and created no AWS client at all
    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    assert module._api is built
    assert (built.runtime.config_loader, built.runtime.database.engine, built.router) == parts
    assert extension.requests == reads == 2  # the config and the secret, once each
    assert not any(client.created for client in built.runtime.clients.values())


# 2. One database connection per request ----------------------------------------


def test_concurrent_requests_leave_no_connection_behind(api, mariadb, add_product):
    add_product()
    baseline = settled_threads(mariadb)
    opened_before = _tcp_connections(mariadb)
    peak = [baseline]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], mariadb.threads_connected())

    watcher = threading.Thread(target=watch)
    watcher.start()
    events = [load_event("list_products", query={"page": str(i % 3 + 1)}) for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda e: api.handle(e, LambdaContext("dev"))["statusCode"], events)
        )
    stop.set()
    watcher.join()
    assert statuses == [200] * 40
    assert threads_once_closed(mariadb, baseline) == baseline
    assert peak[0] <= baseline + 8  # never more than one per in-flight request
    assert _tcp_connections(mariadb) - opened_before == 40  # one per request, no more


def test_a_request_that_fails_mid_transaction_closes_its_connection(make_api, mariadb, add_product):
    # GIVEN an api whose clock breaks after the connection is open
    add_product()
    baseline = settled_threads(mariadb)

    def broken_clock():
        raise RuntimeError("clock stopped")

    api = make_api(now=broken_clock)
    answer = api.handle(
        load_event(
            "create_product",
            body={"sku": "X", "name": "x", "category": "c", "price": "1.00", "stock": 1},
        ),
        LambdaContext("dev"),
    )
    # THEN it is an internal error without a trace, and the connection is gone
    assert answer["statusCode"] == 500
    body = json.loads(answer["body"])
    assert body["error"]["code"] == "internal_error" and "Traceback" not in answer["body"]
    assert threads_once_closed(mariadb, baseline) == baseline


def test_each_request_opens_exactly_one_connection(api, mariadb, add_product):
    add_product()
    for name in ("health", "list_products", "get_product"):
        before = _tcp_connections(mariadb)
        event = (
            load_event(name, path_params={"id": 1}) if name == "get_product" else load_event(name)
        )
        assert api.handle(event, LambdaContext("dev"))["statusCode"] == 200
        assert _tcp_connections(mariadb) - before == 1, name


def settled_threads(mariadb, *, reads: int = 3, wait_s: float = 10.0) -> int:
    """Return Threads_connected once it reads the same `reads` times in a row.

    The server counts a connection until its thread has finished closing it, so
    the figure lags the client by a moment: a single read may still include a
    connection an earlier test has already closed.
    """
    deadline = time.monotonic() + wait_s
    seen = [mariadb.threads_connected()]
    while len(seen) < reads or len(set(seen[-reads:])) > 1:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        seen.append(mariadb.threads_connected())
    return seen[-1]


def threads_once_closed(mariadb, baseline: int, *, wait_s: float = 10.0) -> int:
    """Return Threads_connected after polling (bounded) for it to fall back to `baseline`.

    A leaked connection never closes, so the count stays above `baseline` and the
    caller's assertion fails; the wait only absorbs the server's lag.
    """
    deadline = time.monotonic() + wait_s
    count = mariadb.threads_connected()
    while count > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
        count = mariadb.threads_connected()
    return count


def _tcp_connections(mariadb) -> int:
    """Connections the shop user has opened so far (admin uses root over the socket)."""
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT TOTAL_CONNECTIONS FROM information_schema.USER_STATISTICS WHERE USER = %s",
            (mariadb.user,),
        )
        row = cur.fetchone()
        return int(row[0]) if row else 0


# 3. TLS without the per-connect tax ----------------------------------------------


def test_every_connection_uses_tls_with_the_one_context_built_at_init(api, mariadb):
    built = api.runtime.database.ssl_context
    assert built.verify_mode == ssl.CERT_REQUIRED and built.check_hostname
    contexts, ciphers = set(), set()
    for _ in range(3):
        with api.runtime.database.connect() as conn:
            raw = conn.connection.dbapi_connection
            contexts.add(raw.ctx)
            ciphers.add(conn.exec_driver_sql("SHOW STATUS LIKE 'Ssl_cipher'").one()[1])
    assert contexts == {built} and "" not in ciphers


def test_a_server_certificate_from_another_ca_is_refused(make_api, tmp_path):
    from support.mariadb import make_tls

    other = make_tls(tmp_path / "other-ca")
    api = make_api({"SHOP_DB_CA_BUNDLE": str(other.ca)})
    answer = api.handle(load_event("health"), LambdaContext("dev"))
    assert answer["statusCode"] == 503
    assert json.loads(answer["body"])["error"]["code"] == "service_unavailable"


def test_the_certificate_must_name_the_host(make_api, mariadb):
    # The test certificate names 127.0.0.1 and localhost, not this address.
    api = make_api({"SHOP_DB_HOST": "127.0.0.2"})
    assert api.handle(load_event("health"), LambdaContext("dev"))["statusCode"] == 503


# 4. Keep-warm -------------------------------------------------------------------


KEEPALIVE_PROBE = """
import json, sys, time
started = time.perf_counter()
from shop import api
answer = api.handler(json.loads(sys.argv[1]), None)
print(json.dumps({"answer": answer, "elapsed_ms": (time.perf_counter() - started) * 1000,
                  "loaded": sorted(m for m in ("sqlalchemy", "boto3", "pymysql", "shop.config",
                                               "shop.db") if m in sys.modules),
                  "ours": sorted(m for m in sys.modules if m.split(".")[0] == "shop")}))
"""


@pytest.mark.parametrize("event_name", ["scheduled_event", "warmer_ping"])
def test_keepalive_is_answered_before_anything_heavy_is_imported(event_name):
    from support.events import load_json

    event = json.dumps(load_json(event_name))
    out = subprocess.run(
        [sys.executable, "-c", KEEPALIVE_PROBE, event],
        cwd=ROOT / "functions",
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "functions")},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["loaded"] == []
    # Two modules of ours, as few as a handler in a package can load: each costs a
    # directory listing, a bytecode read and an unmarshal before the answer.
    assert result["ours"] == ["shop", "shop.api"]
    assert result["answer"]["warm"] is True and result["answer"]["cold_start"] is True
    assert len(result["answer"]["container_id"]) == 32


ENVIRONMENT = """
import json, sys
from shop import api
for line in sys.stdin:
    print(json.dumps(api.handler(json.loads(line), None)), flush=True)
"""


class Environments:
    """Lambda's placement, as far as the warmer relies on it.

    An invocation runs in an idle environment when there is one (the one freed
    last first), else in a new one; an environment is a long-lived interpreter
    running the api handler, busy from an invocation's arrival to its answer.
    Invocations arrive in order, each up to `stagger_s` after the one before
    (sooner if that one has answered): a ping that did not hold its environment
    would free it in time for the next to reuse it.
    """

    def __init__(self, *, stagger_s: float):
        self.stagger_s = stagger_s
        self.created: list[subprocess.Popen] = []
        self._idle: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._previous: threading.Event | None = None

    def invoke(self, target: str, payload: bytes) -> dict:
        with self._lock:
            previous, answered = self._previous, threading.Event()
            self._previous = answered
        if previous is not None:
            previous.wait(self.stagger_s)
        with self._lock:
            environment = self._idle.pop() if self._idle else self._start()
        try:
            environment.stdin.write(payload + b"\n")
            environment.stdin.flush()
            return json.loads(environment.stdout.readline())
        finally:
            with self._lock:
                self._idle.append(environment)
            answered.set()

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", ENVIRONMENT],
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "functions")},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.created.append(process)
        return process

    def close(self) -> None:
        for process in self.created:
            process.stdin.close()
            process.wait(timeout=30)


def test_warmer_reaches_n_distinct_environments():
    """GIVEN environments that are reused whenever one is idle, WHEN the warmer pings
    three at once (each ping holding 300 ms, ten times the arrival stagger), THEN
    three environments answer, and a second round reaches the same three, warm."""
    from warmer.handler import warm

    environments = Environments(stagger_s=0.03)
    try:
        first = warm("shop-dev-api:dev", 3, 300, False, invoke=environments.invoke)
        second = warm("shop-dev-api:dev", 3, 300, False, invoke=environments.invoke)
        alone = warm("shop-dev-api:dev", 1, 0, False, invoke=environments.invoke)
    finally:
        environments.close()
    assert first["errors"] == second["errors"] == []
    assert (first["distinct_containers"], first["cold_starts"]) == (3, 3)
    assert (second["distinct_containers"], second["cold_starts"]) == (3, 0)
    # An idle environment is reused, so three came from the hold, not from the fake.
    assert (alone["distinct_containers"], alone["cold_starts"]) == (1, 0)
    assert len(environments.created) == 3


def test_a_primed_ping_builds_the_heavy_objects(aws, lambda_env, monkeypatch):
    for key, value in lambda_env.items():
        monkeypatch.setenv(key, value)
    from shop import api as module

    monkeypatch.setattr(module, "_api", None)
    answer = module.handler({"warmer": {"hold_ms": 0, "prime": True}}, None)
    assert answer["primed"] is True and module._api is not None
    again = module.handler({"warmer": {"hold_ms": 0, "prime": True}}, None)
    assert again["primed"] is False  # already warm


# 5. Config per alias, decoupled from code ----------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_log_level_change_in_ssm_applies_after_the_ttl_without_a_deploy(aws, lambda_env, caplog):
    from shop.runtime import build_runtime

    clock = Clock()
    api = build_api(runtime=build_runtime(lambda_env, session=aws.session, clock=clock))
    caplog.set_level("NOTSET")

    def routed_lines():
        caplog.clear()
        assert api.handle(load_event("health"), LambdaContext("dev"))["statusCode"] == 200
        return [r for r in caplog.records if r.getMessage() == "routed"]

    assert routed_lines() == []  # INFO: no debug line
    aws.set_config("dev", log_level="DEBUG")
    clock.now += 30
    assert routed_lines() == []  # still within the TTL
    clock.now += 31
    [line] = routed_lines()
    assert line.levelname == "DEBUG" and line.stage == "dev"


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        (None, "invoked without an alias"),
        ("$LATEST", "invoked without an alias"),
        ("prod", "alias 'prod' is not served by this function"),
    ],
)
def test_unqualified_or_unknown_alias_is_refused(api, alias, message, caplog):
    context = LambdaContext(alias)
    answer = api.handle(load_event("health"), context)
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 500 and body["error"]["code"] == "config_error"
    assert any(message in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    # The caller learns neither the function's ARN (its account id) nor the aliases served.
    arn = context.invoked_function_arn.split(":")
    assert arn[4] not in answer["body"] and arn[6] not in answer["body"]
    assert "serves" not in answer["body"] and "dev" not in answer["body"]


def test_local_mode_serves_an_unqualified_arn(make_api):
    api = make_api({"SHOP_LOCAL_MODE": "1"})
    assert api.handle(load_event("health"), LambdaContext(None))["statusCode"] == 200


# 6. Secrets ---------------------------------------------------------------------------------


def test_the_database_password_never_reaches_logs_or_answers(aws, mariadb, lambda_env):
    # GIVEN every log line captured as the function writes it, at DEBUG
    from shop.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    secret = "S3cr3t-w0rd-that-must-not-leak"
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS leaky@'%%' IDENTIFIED BY %s", (secret,))
        cur.execute("GRANT ALL ON shop_test.* TO leaky@'%'")
    client = aws.session.client("secretsmanager")
    answers = []
    aws.set_config("dev", log_level="DEBUG")
    try:
        # WHEN requests run with the right password, then with a wrong one
        for name, password in (("good", secret), ("bad", secret + "x")):
            value = json.dumps({"username": "leaky", "password": password})
            arn = client.create_secret(Name=name, SecretString=value)["ARN"]
            api = build_api({**lambda_env, "SHOP_DB_SECRET_ARN": arn}, session=aws.session)
            for event in ("health", "list_products", "create_order"):
                answers.append(api.handle(load_event(event), LambdaContext("dev")))
            assert secret not in repr(api.runtime.database.engine.url)
    finally:
        root.removeHandler(handler)
    # THEN the wrong password is a 503 whose cause is logged, and the password is nowhere
    assert [a["statusCode"] for a in answers] == [200, 200, 422, 503, 503, 503]
    logged = stream.getvalue()
    assert "Access denied for user" in logged
    assert secret not in logged + json.dumps(answers)


# 7. No SQL injection ------------------------------------------------------------------------

PAYLOADS = [
    "' OR 1=1 --",
    "1; DROP TABLE products",
    "1 UNION SELECT id, customer_email FROM orders",
    "kitchen'/**/OR/**/'1'='1",
    "\\'; DELETE FROM orders; #",
    "%' AND SLEEP(5) AND '%'='",
]


def _snapshot(mariadb):
    with mariadb.admin(database="shop_test") as conn, conn.cursor() as cur:
        counts = {}
        for table in ("products", "orders", "order_lines", "notifications"):
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT id, stock, price_cents FROM products ORDER BY id")
        return counts, cur.fetchall()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_payloads_everywhere_get_a_4xx_or_an_honest_empty_result(
    call, add_product, mariadb, payload
):
    add_product(sku="SAFE-1")
    call(
        "create_order",
        body={"customer_email": "a@example.com", "items": [{"product_id": 1, "quantity": 1}]},
    )
    before = _snapshot(mariadb)
    answers = []
    for name in ("category", "min_price", "max_price", "q", "sort", "page", "page_size"):
        answers.append(call("list_products", query={name: payload}))
    answers.append(call("get_product", path_params={"id": payload}))
    answers.append(call("get_order", path_params={"id": payload}))
    answers.append(call("delete_product", path_params={"id": payload}))
    for field in ("sku", "name", "description", "category", "price", "stock"):
        body = {
            "sku": "NEW-1",
            "name": "n",
            "category": "c",
            "price": "1.00",
            "stock": 1,
            field: payload,
        }
        answers.append(call("create_product", body=body))
        answers.append(call("update_product", path_params={"id": 1}, body=body))
    for body in (
        {"customer_email": payload, "items": [{"product_id": 1, "quantity": 1}]},
        {"customer_email": "a@example.com", "items": [{"product_id": payload, "quantity": 1}]},
        {"customer_email": "a@example.com", "items": [{"product_id": 1, "quantity": payload}]},
    ):
        answers.append(call("create_order", body=body, headers={"Idempotency-Key": None}))
    answers.append(call("create_order", headers={"Idempotency-Key": payload}))
    for answer in answers:
        assert answer.status < 500, answer
        if (
            answer.status == 200
            and answer.json
            and "items" in answer.json
            and "total" in answer.json
        ):
            assert answer.json["items"] == [], answer  # a search for the payload finds nothing
    # Text fields may legitimately store the payload as text; nothing else changed.
    counts, rows = _snapshot(mariadb)
    assert (
        counts["orders"] == before[0]["orders"]
        and counts["order_lines"] == before[0]["order_lines"]
    )
    assert rows[0][1:] == before[1][0][1:]  # stock and price untouched
    assert counts["products"] >= before[0]["products"]


# 8. CORS --------------------------------------------------------------------------------------


def test_allowed_origin_is_echoed_with_vary_others_get_nothing(call):
    allowed = call("health", headers={"Origin": "https://dev.shop.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://dev.shop.example.com"
    assert allowed.headers["Vary"] == "Origin"
    other = call("health", headers={"Origin": "https://evil.example.net"})
    assert "Access-Control-Allow-Origin" not in other.headers and other.headers["Vary"] == "Origin"
    error = call("get_product", path_params={"id": 424242})
    assert error.status == 404
    assert error.headers["Access-Control-Allow-Origin"] == "https://dev.shop.example.com"


def test_wildcard_only_when_the_stage_config_says_so(aws, make_api):
    aws.set_config("dev", cors_allowed_origins=["*"])
    answer = make_api().handle(load_event("health"), LambdaContext("dev"))
    assert answer["headers"]["Access-Control-Allow-Origin"] == "*"


def test_the_storefronts_origin_from_the_environment_is_allowed(make_api):
    api = make_api({"SHOP_SITE_ORIGIN": "https://d111111abcdef8.cloudfront.net"})
    event = load_event("health", headers={"Origin": "https://d111111abcdef8.cloudfront.net"})
    answer = api.handle(event, LambdaContext("dev"))
    assert (
        answer["headers"]["Access-Control-Allow-Origin"] == "https://d111111abcdef8.cloudfront.net"
    )
