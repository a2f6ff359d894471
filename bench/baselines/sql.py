"""The database side of the baselines: config, secret, engine and queries.

Heavy init at import, as the frameworks' guides show: boto3 clients for
SSM and Secrets Manager, the config and the secret read once, a NullPool
engine whose connections verify the server against the CA bundle (passed
to PyMySQL as a path, its documented form). The queries are the same Core
statements ours runs.
"""

import json
import os

import boto3
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    select,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from .common import config_parameter

products = Table(
    "products",
    MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("sku", String(64)),
    Column("name", String(200)),
    Column("description", Text),
    Column("category", String(64)),
    Column("price_cents", BigInteger),
    Column("currency", String(3)),
    Column("stock", Integer),
    Column("version", Integer),
    Column("created_at", DateTime),
    Column("updated_at", DateTime),
    Column("deleted_at", DateTime),
)
ORDER = {
    "price": (products.c.price_cents.asc(), products.c.id.asc()),
    "-price": (products.c.price_cents.desc(), products.c.id.asc()),
    "name": (products.c.name.asc(), products.c.id.asc()),
    "-created_at": (products.c.created_at.desc(), products.c.id.desc()),
}


def load_settings(env=os.environ) -> tuple[dict, dict]:
    """Return (config, secret), read with boto3 from SSM and Secrets Manager."""
    session = boto3.session.Session()
    ssm = session.client("ssm")
    secrets = session.client("secretsmanager")
    config = json.loads(ssm.get_parameter(Name=config_parameter(env))["Parameter"]["Value"])
    secret = secrets.get_secret_value(SecretId=env["SHOP_DB_SECRET_ARN"])["SecretString"]
    return config, json.loads(secret)


def make_engine(secret: dict, env=os.environ):
    url = URL.create(
        "mysql+pymysql",
        username=secret["username"],
        password=secret["password"],
        host=env["SHOP_DB_HOST"],
        port=int(env["SHOP_DB_PORT"]),
        database=env["SHOP_DB_NAME"],
    )
    connect_args = {
        "connect_timeout": 3,
        "read_timeout": 10,
        "write_timeout": 10,
        "charset": "utf8mb4",
        "ssl": {"ca": env["SHOP_DB_CA_BUNDLE"]},
    }
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


class SqlRepository:
    def __init__(self, engine):
        self.engine = engine

    def get(self, product_id: int):
        query = select(products).where(products.c.id == product_id, products.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            return conn.execute(query).first()

    def page(self, category, sort: str, page: int, page_size: int):
        where = [products.c.deleted_at.is_(None)]
        if category is not None:
            where.append(products.c.category == category)
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(products).where(*where)
            ).scalar_one()
            rows = conn.execute(
                select(products)
                .where(*where)
                .order_by(*ORDER[sort])
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).all()
        return rows, total

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar_one()
