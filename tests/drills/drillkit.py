"""Tools of the failure drills: a plain HTTP client that records every answer,
orders placed exactly once through retries with their Idempotency-Key, and
the reconciliation of what clients were told against what the database holds.
The stack and the database they run against are in `drillstack`.
"""

import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from drillstack import DrillServer, tfvars_value

from shop.notify import MAX_ATTEMPTS

RESULTS: dict[str, dict] = {}  # figures of each drill, written to build/drills/figures.json
CLIENTS: list["Client"] = []  # every client of the running drill, for its reset count
ALLOWED_RESETS = 0  # connection resets a drill's clients may retry (see Client)
EMF_SEEN: dict[str, set[str]] = {}  # metric -> units, from every drill stack's log lines
# The drills' first start and last stop (epoch seconds), outcomes, and the machine
# at that last stop: in `make test` other tiers run on in the same session.
TIER: dict = {"span": [], "outcomes": {}, "machine": None}


# --- a plain HTTP client ----------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP exchange as the client saw it; status None means no HTTP answer at all."""

    method: str
    path: str
    status: int | None
    started: float
    ended: float
    headers: dict = field(default_factory=dict)  # lower-cased names
    body: object = None
    text: str = ""
    error: str | None = None

    @property
    def elapsed(self) -> float:
        return self.ended - self.started

    def is_unavailable(self) -> bool:
        """Return True for the promised 503: JSON error document with Retry-After."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return (
            self.status == 503
            and (self.headers.get("retry-after") or "").isdigit()
            and isinstance(error, dict)
            and error.get("code") == "service_unavailable"
            and bool(error.get("request_id"))
        )

    def __repr__(self) -> str:
        shown = self.error or self.text[:200]
        return f"<{self.method} {self.path} -> {self.status} in {self.elapsed:.2f}s: {shown}>"


class Client:
    """requests with one keep-alive session per thread, no proxies, everything recorded.

    A connection the gateway resets before reading the request is retried (twice at
    most) and counted in `resets`, not recorded as an answer. Retrying is harmless:
    the request never reached the function, and orders carry an Idempotency-Key, so
    even a retry of a request that was read would make no second order. Retrying
    keeps the drill's reconciliation about the system behind the gateway; the count
    keeps the gateway honest: every Client registers in CLIENTS, and the drills'
    conftest fails a drill whose clients saw more resets than ALLOWED_RESETS. Since
    local/httpd.py queues a burst of new connections (request_queue_size = 128, as
    API Gateway queues them; finding F9 of docs/reliability.md) none is allowed.
    """

    def __init__(self, base_url: str, *, timeout: float = 60, retry_resets: bool = True):
        self.base_url, self.timeout, self.retry_resets = base_url, timeout, retry_resets
        self._local = threading.local()
        self._lock = threading.Lock()
        self.answers: list[Answer] = []
        self.resets = 0
        CLIENTS.append(self)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
        return session

    def raw(self, method: str, path: str, *, data: bytes, headers: dict) -> requests.Response:
        """Send `data` as it is (not recorded): for bodies that are not plain JSON documents."""
        return self._session().request(
            method, self.base_url + path, data=data, headers=headers, timeout=self.timeout
        )

    def request(self, method: str, path: str, *, body=None, headers=None) -> Answer:
        for attempt in range(3):
            started = time.monotonic()
            try:
                response = self._session().request(
                    method, self.base_url + path, json=body, headers=headers, timeout=self.timeout
                )
            except requests.ConnectionError as exc:
                if self.retry_resets and attempt < 2 and "reset by peer" in repr(exc):
                    with self._lock:
                        self.resets += 1
                    continue
                answer = Answer(method, path, None, started, time.monotonic(), error=repr(exc))
            except requests.RequestException as exc:
                answer = Answer(method, path, None, started, time.monotonic(), error=repr(exc))
            else:
                answer = _answer(method, path, started, response)
            break
        with self._lock:
            self.answers.append(answer)
        return answer


def _answer(method: str, path: str, started: float, response: requests.Response) -> Answer:
    try:
        decoded = response.json() if response.content else None
    except ValueError:
        decoded = None
    return Answer(
        method,
        path,
        response.status_code,
        started,
        time.monotonic(),
        {k.lower(): v for k, v in response.headers.items()},
        decoded,
        response.text,
    )


@dataclass
class Order:
    """One order a client wants placed exactly once, and every answer it got."""

    email: str
    items: list[dict]
    key: str = field(default_factory=lambda: "drill-" + uuid.uuid4().hex)
    answers: list[Answer] = field(default_factory=list)

    @property
    def final(self) -> Answer | None:
        return self.answers[-1] if self.answers else None

    @property
    def confirmed(self) -> bool:
        return self.final is not None and self.final.status in (200, 201)

    @property
    def order_id(self) -> str | None:
        return self.final.body["id"] if self.confirmed else None

    def copies(self, n: int) -> list["Order"]:
        """Return `n` sends of this order under its key, each with answers of its own."""
        return [Order(self.email, self.items, key=self.key) for _ in range(n)]

    def quantities(self) -> dict[int, int]:
        merged: dict[int, int] = {}
        for item in self.items:
            merged[item["product_id"]] = merged.get(item["product_id"], 0) + item["quantity"]
        return merged


def outbox(server, database: str) -> list[tuple]:
    """Every outbox row: its order, the order's e-mail, kind, status and attempts."""
    return server.query(
        database,
        "SELECT n.order_id, o.customer_email, n.kind, n.status, n.attempts "
        "FROM notifications n JOIN orders o ON o.id = n.order_id ORDER BY n.id",
    )


def place(client: Client, order: Order, *, retry_until: float, delay: float = 0.05) -> Order:
    """POST the order, retrying with the same Idempotency-Key after a 503 or no answer.

    Retries stop at `retry_until` (monotonic); the order's last answer is its outcome.
    """
    while True:
        answer = client.request(
            "POST",
            "/v1/orders",
            body={"customer_email": order.email, "items": order.items},
            headers={"Idempotency-Key": order.key},
        )
        order.answers.append(answer)
        if answer.status not in (None, 503) or time.monotonic() >= retry_until:
            return order
        time.sleep(delay)


def run_together(functions: list) -> list:
    """Run every zero-argument callable in its own thread, released at once; return results."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index: int, function) -> None:
        barrier.wait()
        results[index] = function()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def place_from(client: Client, orders: list[Order], *, clients: int) -> list[Answer | None]:
    """Place `orders` from `clients` threads released at once, each placing its share in
    turn without retrying; return each order's answer."""
    shares = [orders[i::clients] for i in range(clients)]
    run_together([lambda s=s: [place(client, o, retry_until=0) for o in s] for s in shares])
    return [o.final for o in orders]


def warm(client: Client, workers: int) -> None:
    """Start `workers` api workers at once, so cold starts stay out of a drill's figures."""
    answers = run_together([lambda: client.request("GET", "/v1/health")] * workers)
    assert [a.status for a in answers] == [200] * workers, answers
    client.answers.clear()


# --- reconciliation -----------------------------------------------------------------


@dataclass
class Reconciliation:
    """What the database holds against what the clients were told."""

    confirmed: int
    in_database: int
    lost: list[str]  # confirmed to a client, missing from the database
    duplicated: list[str]  # idempotency keys with more than one order, or two ids told
    unknown: list[str]  # orders in the database no client was told about
    wrong_lines: list[str]  # orders whose lines differ from what was asked
    missing_notifications: list[str]  # orders without their outbox rows
    stock_expected: dict[int, int]
    stock_actual: dict[int, int]

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.unknown
            or self.wrong_lines
            or self.missing_notifications
            or self.stock_expected != self.stock_actual
        )

    def figures(self) -> dict:
        return {
            "confirmed_orders": self.confirmed,
            "orders_in_database": self.in_database,
            "lost": len(self.lost),
            "duplicated": len(self.duplicated),
            "unknown": len(self.unknown),
            "wrong_lines": len(self.wrong_lines),
            "stock_consistent": self.stock_expected == self.stock_actual,
        }


def reconcile(
    server: DrillServer,
    database: str,
    *,
    email: str,
    orders: list[Order],
    stock_before: dict[int, int],
    notifications_per_order: int = 2,
) -> Reconciliation:
    """Compare the drill's orders (all with `email`) with the database.

    Every confirmed order must exist exactly once with the lines asked for and
    its outbox rows; no other order may exist for `email`; stock must equal the
    initial stock minus what the confirmed orders took.
    """
    rows = server.query(
        database,
        "SELECT id, idempotency_key FROM orders WHERE customer_email = %s",
        (email,),
    )
    lines: dict[str, dict[int, int]] = {}
    for order_id, product_id, quantity in server.query(
        database,
        "SELECT l.order_id, l.product_id, l.quantity FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WHERE o.customer_email = %s",
        (email,),
    ):
        lines.setdefault(order_id, {})[product_id] = quantity
    outbox = dict(
        server.query(
            database,
            "SELECT n.order_id, COUNT(*) FROM notifications n "
            "JOIN orders o ON o.id = n.order_id WHERE o.customer_email = %s GROUP BY n.order_id",
            (email,),
        )
    )
    by_key: dict[str, list[str]] = {}
    for order_id, key in rows:
        by_key.setdefault(key, []).append(order_id)
    confirmed = [o for o in orders if o.confirmed]
    told: dict[str, set[str]] = {}
    for order in confirmed:
        told.setdefault(order.key, set()).update(
            a.body["id"] for a in order.answers if a.status in (200, 201)
        )
    lost = [o.order_id for o in confirmed if o.order_id not in dict(rows)]
    duplicated = [k for k, ids in by_key.items() if len(ids) > 1]
    duplicated += [k for k, ids in told.items() if len(ids) > 1]
    known = {o.order_id for o in confirmed}
    unknown = [order_id for order_id, _key in rows if order_id not in known]
    wrong_lines = [o.order_id for o in confirmed if lines.get(o.order_id) != o.quantities()]
    missing_notifications = [
        o.order_id for o in confirmed if outbox.get(o.order_id, 0) != notifications_per_order
    ]
    expected = dict(stock_before)
    for order in confirmed:
        for product_id, quantity in order.quantities().items():
            expected[product_id] -= quantity
    actual = dict(
        server.query(
            database,
            f"SELECT id, stock FROM products WHERE id IN ({', '.join(['%s'] * len(expected))})",
            tuple(expected),
        )
    )
    return Reconciliation(
        len(confirmed),
        len(rows),
        lost,
        duplicated,
        unknown,
        wrong_lines,
        missing_notifications,
        expected,
        actual,
    )


# --- figures ----------------------------------------------------------------------------


def by_status(answers: list[Answer]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        key = str(answer.status) if answer.status is not None else "no answer"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def latency(answers: list[Answer]) -> dict[str, float] | None:
    """Return p50/p99/max in milliseconds (reported, never asserted)."""
    if not answers:
        return None
    values = sorted(a.elapsed * 1000 for a in answers)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(values[-1], 1),
    }


def now(at: float | None = None) -> str:
    """`at` (epoch seconds; default now) to the minute, as the docs print it."""
    when = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def machine() -> dict:
    """Where and how loaded the figures were measured (the drills' latencies depend on it)."""
    return {"cores": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 1)}


def record(drill: str, figures: dict) -> None:
    """Keep a drill's figures for build/drills/figures.json and the terminal summary,
    with when they were measured and on what (docs/reliability.md renders them)."""
    RESULTS[drill] = {**figures, "measured": now(), "machine": machine()}


def tier_figures() -> dict:
    """The whole tier's outcome: tests passed and failed, seconds, per-test counts, and
    when its last drill ended and how loaded the machine was then (not when the
    session ended)."""
    outcomes = TIER["outcomes"]
    total: dict[str, int] = {}
    for counts in outcomes.values():
        for outcome, n in counts.items():
            total[outcome] = total.get(outcome, 0) + n
    return {
        **total,
        "seconds": round(TIER["span"][1] - TIER["span"][0], 1),
        "outcomes": outcomes,
        "measured": now(TIER["span"][1]),
        "machine": TIER["machine"],
    }


def collect_emf(log_path) -> None:
    """Validate every EMF line of a stack's log (support.emf) and remember its metrics."""
    from support import emf

    for name, units in emf.metrics_in(log_path.read_text(errors="replace").splitlines()).items():
        EMF_SEEN.setdefault(name, set()).update(units)


# --- the notification drills ------------------------------------------------------------

# Units of each product of the notification drills: more than they ever order.
PLENTY = 1000
# The relay retries at once instead of after a real backoff (minutes), so a drill can follow it.
RELAY_AT_ONCE = {"SHOP_RELAY_BACKOFF_SECONDS": "0"}


def orders_with_a_refused_address(
    stack, prefix: str, *, refused: str, count: int, good: str = "buyer@drill.example.com"
) -> tuple[list[Order], dict[str, int]]:
    """`count` orders of one unit, every fourth for `refused` (of a product of its own),
    the others for `good`. Returns the orders and each address's product id."""
    products = {
        good: stack.create_product(f"{prefix}-GOOD", stock=PLENTY),
        refused: stack.create_product(f"{prefix}-GONE", stock=PLENTY),
    }
    emails = [refused if i % 4 == 0 else good for i in range(count)]
    orders = [Order(e, [{"product_id": products[e], "quantity": 1}]) for e in emails]
    return orders, products


def reconcile_by_address(
    server: DrillServer, database: str, orders: list[Order], products: dict[str, int]
) -> list[Reconciliation]:
    """reconcile() for each address's orders and product (see orders_with_a_refused_address)."""
    return [
        reconcile(
            server,
            database,
            email=email,
            orders=[o for o in orders if o.email == email],
            stock_before={product: PLENTY},
        )
        for email, product in products.items()
    ]


def relay_until_idle(stack) -> list[dict]:
    """Run the relay (the report function's `relay` action) until nothing is due, at most
    a row's attempts and two more times; return each run's result. Fails on a run that
    errs and when something is still due after the last run."""
    runs = []
    for _ in range(MAX_ATTEMPTS + 2):
        result, error = stack.invoke("report", {"action": "relay"})
        assert error is None, result
        runs.append(result)
        if result["backlog"]["rows"] == 0:
            break
    assert runs[-1]["backlog"] == {"rows": 0, "oldest_age_s": 0.0}, runs
    return runs


def sent_once_or_parked(
    server: DrillServer, database: str, fake, orders: list[Order], *, refused: str
) -> list[tuple]:
    """Check that each notification of `orders` reached SNS or SES (`fake`) exactly once
    but the e-mails to `refused`, each parked after its last attempt, and that no other
    row is left waiting; return the parked outbox rows."""
    ids = {o.order_id for o in orders}
    refused_ids = {o.order_id for o in orders if o.email == refused}
    rows = outbox(server, database)
    missing = [r for r in rows if r[2] == "order_event" and r[0] not in fake.events]
    assert sorted(fake.events) == sorted(ids), missing
    assert sorted(fake.emails) == sorted(ids - refused_ids)
    parked = [r for r in rows if r[3] == "parked"]
    assert {(r[1], r[2], r[4]) for r in parked} == {(refused, "order_email", MAX_ATTEMPTS)}
    assert len(parked) == len(refused_ids)
    assert {r[3] for r in rows if r not in parked} == {"sent"}
    return parked


def order_figures(client: Client, orders: list[Order], *, clients: int, workers: int) -> dict:
    """The figures of a notification drill's orders: how many, from how many clients on
    how many api workers, their answers and how long they took against the api's timeout."""
    return {
        "clients": clients,
        "api_workers": workers,
        "orders": len(orders),
        "by_status": by_status(client.answers),
        "order_latency": latency([o.final for o in orders]),
        "api_timeout_s": tfvars_value("functions")["api"]["timeout_s"],
    }


def deliveries(fake, parked: list[tuple], reconciled: list[Reconciliation]) -> dict:
    """The figures of a notification drill against fakeaws: what SNS and SES took, what
    was parked after how many attempts, and the orders lost or duplicated."""
    twice = len(fake.events) - len(set(fake.events)) + len(fake.emails) - len(set(fake.emails))
    return {
        "events_delivered": len(fake.events),
        "emails_delivered": len(fake.emails),
        "delivered_twice": twice,
        "parked": len(parked),
        "parked_after_attempts": MAX_ATTEMPTS,
        "refusals": fake.rejected,
        "lost": sum(r.figures()["lost"] for r in reconciled),
        "duplicated": sum(r.figures()["duplicated"] for r in reconciled),
    }
