"""Warm routing + JSON: one handler called in a loop with the same event.

Every variant first initialises for real, as on a cold start (ours: the
handler's own init, with its boto3 clients, config from SSM and engine;
a baseline: its module's import), against the bench's moto and MariaDB.
Then the database is replaced by an in-memory row at the repository: for
ours, `shop.products.get_product` answers from memory and the runtime's
Database yields no connection; for a baseline, its module-level `repo`.
With `--mode conn` the connection is faked instead (ours: Database.connect
yields a connection whose execute() returns the row; baselines: their
engine's), so the SQL statement each route builds is part of the figure.
timeit-style: `repeats` rounds of `number` calls after a warm-up; the
figure is the best round's mean (noise only adds time).
"""

import json
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import Context, setup_path

ROW = {
    "id": 1,
    "sku": "BENCH-0001",
    "name": "Espresso cup",
    "description": "Porcelain, 80 ml",
    "category": "kitchen",
    "price_cents": 1250,
    "currency": "EUR",
    "stock": 7,
    "version": 3,
    "created_at": datetime(2026, 11, 1, 12, 0, 0, 123456),
    "updated_at": datetime(2026, 11, 2, 8, 30, 0, 654321),
    "deleted_at": None,
}


class Result:
    def __init__(self, row):
        self.row = row

    def first(self):
        return self.row

    def scalar_one(self):
        return 1


class Connection:
    def __init__(self, row):
        self.row = row

    def execute(self, statement, parameters=None):
        return Result(self.row)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Engine:
    """What a baseline's SqlRepository calls: connect() as a context manager."""

    def __init__(self, row):
        self.row = row

    def connect(self):
        return Connection(self.row)


class Database:
    """What our routes call: connect() yields a connection, as shop.db.Database does."""

    def __init__(self, connection):
        self.connection = connection

    @contextmanager
    def connect(self):
        yield self.connection


class Memory:
    """A repository answering from one in-memory row."""

    def __init__(self, row):
        self.row = row

    def get(self, product_id):
        return self.row if product_id == self.row.id else None


def ours_handler(handler: str, row, mode: str):
    """Initialise our handler for real (clients, config, engine; as on a cold start), then
    swap its database for the in-memory one. `handler` is the built function's handler
    string (its manifest's), so a --tree build whose entry module moved runs too."""
    import importlib

    from shop import products
    from shop.errors import NotFound

    entry = importlib.import_module(handler.rpartition(".")[0])

    api = entry._try_init()
    if api is None:
        raise SystemExit("our handler could not initialise; see the log above")
    if mode == "repo":

        def get_product(conn, product_id):
            if product_id != row.id:
                raise NotFound(f"product {product_id} does not exist")
            return row

        products.get_product = get_product
        api.runtime.database = Database(None)
    else:
        api.runtime.database = Database(Connection(row))
    return entry.handler


def baseline_handler(module_name: str, handler_name: str, row, mode: str):
    import importlib

    module = importlib.import_module(module_name)
    if mode == "repo" or not hasattr(module.repo, "engine"):
        module.repo = Memory(row)
    else:
        module.repo.engine = Engine(row)
    return getattr(module, handler_name)


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    row = SimpleNamespace(**ROW)
    if spec["kind"] == "ours":
        handler = ours_handler(spec["handler"], row, spec["mode"])
    else:
        module, _, name = spec["handler"].rpartition(".")
        handler = baseline_handler(module, name, row, spec["mode"])
    event, context = spec["event"], Context("req-warm-bench")
    answer = handler(event, context)
    for _ in range(spec["warmup"]):
        handler(event, context)
    number = spec["number"]
    if not number:  # calibrate: one round takes about `round_s`
        started, number = time.perf_counter(), 0
        while time.perf_counter() - started < spec["round_s"]:
            handler(event, context)
            number += 1
    rounds = []
    for _ in range(spec["repeats"]):
        started = time.perf_counter()
        for _ in range(number):
            handler(event, context)
        rounds.append((time.perf_counter() - started) / number * 1e6)
    print(json.dumps({"number": number, "rounds_us": rounds, "answer": answer}, default=str))


if __name__ == "__main__":
    main()
