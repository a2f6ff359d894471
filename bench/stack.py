"""What the benchmarks run against: a throwaway MariaDB (TLS on), a moto
server seeded like a stage, the Parameters and Secrets extension emulated
over it, and the function environment Terraform sets."""

import json
import logging
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "functions"), str(ROOT)]

from support.mariadb import MariaDB, free_port, make_tls  # noqa: E402

CONFIG = {
    "log_level": "WARNING",
    "cors_allowed_origins": ["https://bench.shop.example.com"],
    "sender_email": "orders@bench.shop.example.com",
    "features": {"order_emails": False, "order_events": False},
}


@contextmanager
def bench_stack(database: str = "shop_bench", max_connections: int = 200):
    """Yield (mariadb, env): a migrated database and the api's environment."""
    import boto3
    from moto.server import ThreadedMotoServer
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from local.extension import ExtensionServer
    from shop import migrations

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        base = Path(tmp)
        server = MariaDB(base / "db", tls=make_tls(base / "tls"), max_connections=max_connections)
        server.start()
        port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto.start()
        endpoint = f"http://127.0.0.1:{port}"
        extension = None
        try:
            with server.admin() as conn, conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
            engine = create_engine(server.url(database), poolclass=NullPool)
            migrations.upgrade(engine)
            engine.dispose()
            session = boto3.session.Session(
                region_name="eu-west-1", aws_access_key_id="bench", aws_secret_access_key="bench"
            )
            session.client("ssm", endpoint_url=endpoint).put_parameter(
                Name="/shop/dev/config", Type="String", Value=json.dumps(CONFIG)
            )
            secret = session.client("secretsmanager", endpoint_url=endpoint).create_secret(
                Name="shop-bench-db",
                SecretString=json.dumps({"username": server.user, "password": server.password}),
            )
            # The Parameters and Secrets extension, its cache off: on a cold start
            # the real one starts empty and reads SSM and Secrets Manager itself.
            extension = ExtensionServer(
                ssm=session.client("ssm", endpoint_url=endpoint),
                secrets=session.client("secretsmanager", endpoint_url=endpoint),
                token="bench-session-token",
                parameter_ttl=0,
                secret_ttl=0,
            ).start()
            env = {
                **extension.env(),
                "PATH": "/usr/bin:/bin",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "AWS_ACCESS_KEY_ID": "bench",
                "AWS_SECRET_ACCESS_KEY": "bench",
                "AWS_ENDPOINT_URL": endpoint,
                "SHOP_PROJECT": "shop",
                "SHOP_STAGE": "dev",
                "SHOP_ALIASES": "dev",
                "SHOP_CONFIG_PARAMETER": "/shop/{alias}/config",
                "SHOP_DB_SECRET_ARN": secret["ARN"],
                "SHOP_DB_HOST": "127.0.0.1",
                "SHOP_DB_PORT": str(server.port),
                "SHOP_DB_NAME": database,
                "SHOP_DB_CA_BUNDLE": str(server.tls.ca),
            }
            yield server, env
        finally:
            if extension is not None:
                extension.stop()
            moto.stop()
            server.stop()
