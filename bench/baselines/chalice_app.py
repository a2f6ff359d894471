"""Baseline (b): Chalice (the runtime part its packager ships: chalice/app.py),
config and secret through boto3, SQLAlchemy Core over PyMySQL."""

import os

from chalice import BadRequestError, Chalice, CORSConfig, NotFoundError, Response

from . import common, sql

config, secret = sql.load_settings()
repo = sql.SqlRepository(sql.make_engine(secret))
app = Chalice(app_name="shop-bench")
cors = CORSConfig(
    allow_origin=config["cors_allowed_origins"][0],
    expose_headers=common.CORS_EXPOSED.split(","),
)


@app.route("/v1/products/{id}", methods=["GET"], cors=cors)
def get_product(id):  # the name API Gateway's resource gives the path parameter
    row = common.product(repo, id, bad=BadRequestError, missing=NotFoundError)
    return Response(body=common.to_json(row), status_code=200, headers={"ETag": common.etag(row)})


@app.route("/v1/products", methods=["GET"], cors=cors)
def list_products():
    try:
        return common.products_page(repo, app.current_request.query_params, config)
    except common.BadInput as exc:
        raise BadRequestError(str(exc)) from exc


@app.route("/v1/health", methods=["GET"], cors=cors)
def health():
    return common.health(repo, os.environ)


handler = app
