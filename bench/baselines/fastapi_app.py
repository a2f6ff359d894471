"""Baseline (c): FastAPI behind Mangum, config and secret through boto3,
SQLAlchemy Core over PyMySQL. Routes are plain `def` (the database calls
block), as FastAPI's SQL guide writes them."""

import os
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from mangum import Mangum

from . import common, sql

config, secret = sql.load_settings()
repo = sql.SqlRepository(sql.make_engine(secret))
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
app.add_middleware(
    CORSMiddleware,
    allow_origins=config["cors_allowed_origins"],
    allow_methods=["GET"],
    expose_headers=common.CORS_EXPOSED.split(","),
)


@app.get("/v1/products/{product_id}")
def get_product(product_id: Annotated[int, Path(ge=1)], response: Response):
    row = repo.get(product_id)
    if row is None:
        raise HTTPException(404, f"product {product_id} does not exist")
    response.headers["ETag"] = common.etag(row)
    return common.to_json(row)


@app.get("/v1/products")
def list_products(request: Request):
    try:
        return common.products_page(repo, dict(request.query_params), config)
    except common.BadInput as exc:
        raise HTTPException(422, str(exc)) from exc


@app.get("/v1/health")
def health():
    return common.health(repo, os.environ)


handler = Mangum(app, lifespan="off")
