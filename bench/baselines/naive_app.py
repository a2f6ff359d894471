"""Baseline (d): the naive version of our own handler.

Our package, our router, our contract, our error handling; but everything
at import, the way a first version is written: boto3 and the full
SQLAlchemy with its ORM, a declarative model of the products table, all
four boto3 clients, the secret, the engine and the stage's config are
created when the module loads, and the product routes go through an ORM
`Session`. bench/package.py ships it (and its layer) without bytecode.
"""

import math
import os

import boto3
import sqlalchemy
import sqlalchemy.orm
from sqlalchemy.orm import DeclarativeBase, Session

from shop import contract, logs, routes, schema
from shop.app import Api
from shop.errors import NotFound, ValidationFailed
from shop.http import Response
from shop.products import etag, to_json
from shop.router import Router
from shop.runtime import build_runtime


class Base(DeclarativeBase):
    pass


class Product(Base):
    __table__ = schema.products


ORDER = {
    "price": (Product.price_cents.asc(), Product.id.asc()),
    "-price": (Product.price_cents.desc(), Product.id.asc()),
    "name": (Product.name.asc(), Product.id.asc()),
    "-created_at": (Product.created_at.desc(), Product.id.desc()),
}


def get_product(req, ctx):
    with ctx.db.connect() as conn, Session(bind=conn) as session:
        product = session.get(Product, req.params["id"])
        if product is None or product.deleted_at is not None:
            raise NotFound(f"product {req.params['id']} does not exist")
        return Response(200, to_json(product), {"ETag": etag(product)})


def list_products(req, ctx):
    p = req.params
    page, page_size = p.get("page", 1), p.get("page_size", ctx.config.page_size_default)
    if page_size > ctx.config.page_size_max:
        raise ValidationFailed("page_size is too large", field="page_size")
    where = [Product.deleted_at.is_(None)]
    if "category" in p:
        where.append(Product.category == p["category"])
    with ctx.db.connect() as conn, Session(bind=conn) as session:
        total = session.scalar(sqlalchemy.select(sqlalchemy.func.count(Product.id)).where(*where))
        items = session.scalars(
            sqlalchemy.select(Product)
            .where(*where)
            .order_by(*ORDER[p.get("sort") or "name"])
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
    body = {
        "items": [to_json(item) for item in items],
        "page": page,
        "page_size": page_size,
        "total": total,
        "total_pages": math.ceil(total / page_size),
    }
    return Response(200, body)


logs.configure(os.environ.get("SHOP_LOG_LEVEL", "INFO"))
runtime = build_runtime(session=boto3.session.Session())
config = runtime.config_loader.get(os.environ["SHOP_STAGE"])
handlers = {**routes.HANDLERS, "getProduct": get_product, "listProducts": list_products}
api = Api(runtime, Router(contract.load_document(), handlers))


def handler(event, context):
    return api.handle(event, context)
