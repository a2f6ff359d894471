"""Drill: the database password rotates three times under 20-way load.

The functions start logged in as the drills' app user, whose secret the
local stack keeps in Secrets Manager (moto). While 20 clients place orders
and read a product, the login is rotated as the migrate function does it
(shop.dbusers, run here as a master user with the grant option):

1. `ensure` moves the secret to a fresh application user, then the password
   the functions hold is changed under them (what an RDS rotation does to a
   login): every warm function is refused (1045) on its next connect;
2. `rotate` moves the secret to the other user (the old login stays valid);
3. `rotate` again gives the first user a new password: functions still
   holding it are refused again.

Promised: 0 failed requests; each refusal re-reads the secret once and
connects; no order lost or duplicated.
"""

import secrets
import threading
import time

import drillkit
import drillstack
import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from shop import dbusers, logs
from shop.credentials import SecretsManagerSource

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 4}
CLIENTS = 20
EMAIL = "rotation@drill.example.com"
SECRET = "shop-dev-db"  # the local stack's database secret (<project>-<stage>-db)
MASTER, MASTER_PASSWORD = "drill_master", "drill-master-password"


@pytest.fixture
def master(drill_server, stack):
    """A login like RDS's master user: every right, with the grant option."""
    with drill_server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER IF NOT EXISTS {MASTER}@'%%' IDENTIFIED BY %s", (MASTER_PASSWORD,))
        cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {MASTER}@'%' WITH GRANT OPTION")
    url = (
        f"mysql+pymysql://{MASTER}:{MASTER_PASSWORD}@127.0.0.1:{drill_server.port}/{stack.database}"
    )
    engine = create_engine(url, poolclass=NullPool)
    yield engine
    engine.dispose()


def set_app_password(drill_server, password: str) -> None:
    with drill_server.admin() as conn, conn.cursor() as cur:
        cur.execute(f"ALTER USER '{drillstack.APP_USER}'@'%%' IDENTIFIED BY %s", (password,))


def test_three_rotations_under_load_fail_no_request(stack, drill_server, client, master):
    product = stack.create_product("ROTATE-1", stock=1_000_000)
    drillkit.warm(client, STACK_OPTIONS["concurrency"])
    store = SecretsManagerSource(stack.aws("secretsmanager"))
    orders: list[drillkit.Order] = []
    stop = threading.Event()
    lock = threading.Lock()

    def load() -> None:
        while not stop.is_set():
            order = drillkit.Order(EMAIL, [{"product_id": product, "quantity": 1}])
            with lock:
                orders.append(order)
            drillkit.place(client, order, retry_until=0)
            client.request("GET", f"/v1/products/{product}")

    threads = [threading.Thread(target=load) for _ in range(CLIENTS)]
    rotated_away = "rotated-away-" + secrets.token_urlsafe(12)
    logs.redact(rotated_away)  # the log scan looks for it too
    steps = []
    try:
        for thread in threads:
            thread.start()
        time.sleep(2)
        # 1. a fresh application user in the secret, and the login the functions hold rotated away
        steps.append(
            dbusers.ensure(master, store, SECRET, base="drillrot", database=stack.database)
        )
        set_app_password(drill_server, rotated_away)
        time.sleep(2)
        # 2. the other user; 3. the first user again, with a new password
        steps.append(
            dbusers.rotate(master, store, SECRET, base="drillrot", database=stack.database)
        )
        time.sleep(2)
        steps.append(
            dbusers.rotate(master, store, SECRET, base="drillrot", database=stack.database)
        )
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        set_app_password(drill_server, drillstack.APP_PASSWORD)

    assert [s["user"] for s in steps] == ["drillrot_a", "drillrot_b", "drillrot_a"]
    statuses = drillkit.by_status(client.answers)
    assert set(statuses) <= {"200", "201"}, statuses  # 0 failed requests
    log = stack.log_path.read_text(errors="replace")
    rereads = log.count("database refused the credentials; re-read the secret")
    assert rereads >= 2  # at least one function refused after steps 1 and 3
    result = drillkit.reconcile(
        drill_server,
        stack.database,
        email=EMAIL,
        orders=orders,
        stock_before={product: 1_000_000},
    )
    assert result.ok, result
    drillkit.record(
        "password_rotation",
        {
            "clients": CLIENTS,
            "api_workers": STACK_OPTIONS["concurrency"],
            "rotations": len(steps),
            "requests": len(client.answers),
            "by_status": statuses,
            "failed_requests": sum(n for s, n in statuses.items() if s not in ("200", "201")),
            "secret_rereads_after_1045": rereads,
            "latency": drillkit.latency(client.answers),
            **result.figures(),
        },
    )
