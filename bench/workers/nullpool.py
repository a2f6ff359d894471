"""One NullPool request over TLS, five ways, in the same interpreter.

- `ours`: shop.db.Database over make_engine() with the one SSLContext
  built at init (build_ssl_context), `SELECT 1` through SQLAlchemy Core;
- `pymysql_prebuilt_context`: raw PyMySQL given a prebuilt SSLContext
  built the same way;
- `pymysql_defaults`: raw PyMySQL given no TLS option at all: since 1.2 it
  then prefers TLS, with a new, unverified SSLContext per connect that
  loads the system's CA store;
- `pymysql_ca_path`: raw PyMySQL given `ssl={"ca": path}`, its documented
  verifying form, which loads the CA bundle into a new context per connect;
- `plaintext`: raw PyMySQL with `ssl_disabled=True` (the floor).

Each op opens a connection, runs SELECT 1, reads the row and closes. The
variants alternate in short blocks, after a warm-up, so they share the
machine's state; every op is timed on its own.
"""

import json
import ssl
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off
from lambda_env import setup_path


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    setup_path(spec)
    import pymysql
    from sqlalchemy import text
    from sqlalchemy.engine import URL

    from shop.db import Database, DatabaseSettings, build_ssl_context, make_engine

    db = spec["db"]
    common = {
        "host": db["host"],
        "port": db["port"],
        "user": db["user"],
        "password": db["password"],
        "database": db["database"],
        "connect_timeout": 3,
        "read_timeout": 10,
        "write_timeout": 10,
        "charset": "utf8mb4",
    }
    url = URL.create(
        "mysql+pymysql",
        username=db["user"],
        password=db["password"],
        host=db["host"],
        port=db["port"],
        database=db["database"],
    )
    settings = DatabaseSettings(url=url, ca_bundle=db["ca"])
    context = build_ssl_context(db["ca"])
    database = Database(make_engine(settings, ssl_context=context), ssl_context=context)
    select_1 = text("SELECT 1")

    raw_context = ssl.create_default_context(cafile=db["ca"])
    raw_context.minimum_version = ssl.TLSVersion.TLSv1_2

    def ours():
        with database.connect() as conn:
            conn.execute(select_1).scalar_one()

    def raw(**extra):
        def op():
            conn = pymysql.connect(**common, **extra)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                    cur.fetchone()
            finally:
                conn.close()

        return op

    ops = {
        "ours": ours,
        "pymysql_prebuilt_context": raw(ssl=raw_context),
        "pymysql_defaults": raw(),
        "pymysql_ca_path": raw(ssl={"ca": db["ca"]}),
        "plaintext": raw(ssl_disabled=True),
    }
    with database.engine.connect() as conn:  # TLS really is on, and verified
        cipher = conn.exec_driver_sql("SHOW STATUS LIKE 'Ssl_cipher'").one()[1]
    samples = {name: [] for name in ops}
    for _ in range(spec["warmup"]):
        for op in ops.values():
            op()
    for round_ in range(spec["rounds"]):
        order = list(ops.items())
        if round_ % 2:
            order.reverse()
        for name, op in order:
            for _ in range(spec["per_round"]):
                started = time.perf_counter()
                op()
                samples[name].append((time.perf_counter() - started) * 1000)
    certificates = raw_context.cert_store_stats()["x509_ca"]
    print(
        json.dumps({"ssl_cipher": cipher, "ca_certificates": certificates, "samples_ms": samples})
    )


if __name__ == "__main__":
    main()
