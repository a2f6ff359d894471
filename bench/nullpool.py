"""NullPool request over TLS to MariaDB: ours against raw PyMySQL.

Runs bench/workers/nullpool.py from our unpacked artifact (so `ours` is
the built shop.db and SQLAlchemy from the layer); see that file for the
four variants. Figures are per op: connect, SELECT 1, fetch, close.
"""

from bench.measure import log, ratio, run_worker, summary


def measure(root, env, server, database: str, ca: str, rounds=12, per_round=25) -> dict:
    log(f"  NullPool over TLS: {rounds} rounds x {per_round} ops per variant")
    spec = {
        "db": {
            "host": "127.0.0.1",
            "port": server.port,
            "user": server.user,
            "password": server.password,
            "database": database,
            "ca": ca,
        },
        "warmup": 5,
        "rounds": rounds,
        "per_round": per_round,
    }
    out = run_worker("nullpool.py", root, spec, env, timeout=600)
    figures = {
        name: {"per_op_ms": summary(samples), "samples_ms": [round(s, 4) for s in samples]}
        for name, samples in out["samples_ms"].items()
    }
    median = {name: fig["per_op_ms"]["median"] for name, fig in figures.items()}
    return {
        "ssl_cipher": out["ssl_cipher"],
        "ca_bundle_certificates": out["ca_certificates"],
        "variants": figures,
        "ours_to_prebuilt_context": ratio(median["ours"], median["pymysql_prebuilt_context"]),
        "defaults_to_ours": ratio(median["pymysql_defaults"], median["ours"]),
        "ca_path_to_ours": ratio(median["pymysql_ca_path"], median["ours"]),
    }
