"""Baseline (a): Powertools' APIGatewayRestResolver, config and secret
through Powertools' parameters utility, SQLAlchemy Core over PyMySQL."""

import os

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.utilities import parameters

from . import common, sql

config = parameters.get_parameter(common.config_parameter(os.environ), transform="json")
secret = parameters.get_secret(os.environ["SHOP_DB_SECRET_ARN"], transform="json")
repo = sql.SqlRepository(sql.make_engine(secret))
origins = config.get("cors_allowed_origins", [])
app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin=origins[0],
        extra_origins=origins[1:],
        expose_headers=common.CORS_EXPOSED.split(","),
    )
)


@app.get("/v1/products/<product_id>")
def get_product(product_id: str):
    row = common.product(repo, product_id, bad=BadRequestError, missing=NotFoundError)
    return Response(
        status_code=200,
        content_type="application/json; charset=utf-8",
        body=common.to_json(row),
        headers={"ETag": common.etag(row)},
    )


@app.get("/v1/products")
def list_products():
    try:
        return common.products_page(repo, app.current_event.query_string_parameters, config)
    except common.BadInput as exc:
        raise BadRequestError(str(exc)) from exc


@app.get("/v1/health")
def health():
    return common.health(repo, os.environ)


def handler(event, context):
    return app.resolve(event, context)
