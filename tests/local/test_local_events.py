"""The events the local gateway builds are real API Gateway REST proxy events
(Powertools' APIGatewayProxyEventModel accepts them) for every route of the
contract, and the handler answers through the gateway exactly as it does
when invoked directly with the same event."""

import json

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from localkit import API_KEY

from local.aws import FAKE_CREDENTIALS
from local.cache import FRESH_READ
from support.events import LambdaContext

ORIGIN = "https://dev.shop.example.com"
PRODUCT = {
    "sku": "KIT-MUG-350",  # seeded: a second create is a deterministic 409
    "name": "Enamel camping mug",
    "category": "kitchen",
    "price": "12.50",
    "stock": 3,
}
ADMIN = {"x-api-key": API_KEY}
NO_ORDER = "0" * 32
NO_SUCH_PRODUCT_ORDER = {
    "customer_email": "a@b.example.com",
    "items": [{"product_id": 999999, "quantity": 1}],
}

# One request per operation, each answering the same on every call, and the
# status it answers with (so the comparison below is not between two errors).
REQUESTS = {
    "getHealth": ("GET", "/v1/health", {}, 200),
    "listProducts": ("GET", "/v1/products", {"params": {"category": "kitchen"}}, 200),
    "createProduct": ("POST", "/v1/products", {"json": PRODUCT, "headers": ADMIN}, 409),
    "getProduct": ("GET", "/v1/products/2", {}, 200),
    "updateProduct": ("PUT", "/v1/products/999999", {"json": PRODUCT, "headers": ADMIN}, 404),
    "deleteProduct": ("DELETE", "/v1/products/999999", {"headers": ADMIN}, 404),
    "createOrder": ("POST", "/v1/orders", {"json": NO_SUCH_PRODUCT_ORDER}, 422),
    "getOrder": ("GET", f"/v1/orders/{NO_ORDER}", {}, 404),
}


class EndpointSession:
    """A boto3 session whose clients talk to the stack's moto server."""

    def __init__(self, endpoint: str, region: str):
        self.endpoint, self.region_name = endpoint, region

    def client(self, name, **kwargs):
        session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region_name,
        )
        return session.client(name, endpoint_url=self.endpoint, **kwargs)


@pytest.fixture(scope="module")
def direct_api(local_stack):
    """The api built in this process with the workers' environment: invoked directly."""
    from shop.app import build_api

    spec = local_stack.pools["shop-dev-api"].spec
    session = EndpointSession(local_stack.aws.endpoint, local_stack.stage_values.region)
    return build_api(dict(spec.env), session=session)


def through_gateway(stack, operation: str):
    """Send the operation's request over HTTP; return the response and the event it became."""
    method, path, kwargs, status = REQUESTS[operation]
    headers = {"Origin": ORIGIN, **FRESH_READ, **kwargs.get("headers", {})}
    response = requests.request(
        method, stack.api_url + path, timeout=30, **{**kwargs, "headers": headers}
    )
    assert response.status_code == status, response.text
    request_id = response.headers["x-amzn-RequestId"]
    events = [e for e in stack.gateway.events if e["requestContext"]["requestId"] == request_id]
    assert len(events) == 1, f"{operation}: the gateway recorded no event for {request_id}"
    return response, events[0]


def test_every_proxy_operation_of_the_contract_is_covered(local_stack):
    proxied = {r.operation_id for r in local_stack.gateway.contract.routes if r.is_proxy}
    assert proxied == set(REQUESTS)


@pytest.mark.parametrize("operation", sorted(REQUESTS))
def test_events_are_valid_api_gateway_proxy_events(local_stack, operation):
    _, event = through_gateway(local_stack, operation)
    model = APIGatewayProxyEventModel.model_validate(event)
    route = local_stack.gateway.contract.operation(operation)
    assert model.resource == route.resource
    assert model.httpMethod == route.method
    assert model.requestContext.stage == "dev"
    assert model.requestContext.resourcePath == route.resource
    assert model.requestContext.path == f"/dev{model.path}"
    assert model.stageVariables == {"alias": "dev"}
    assert model.headers["Origin"] == ORIGIN
    assert model.multiValueHeaders["Origin"] == [ORIGIN]
    assert model.requestContext.identity.apiKey == (API_KEY if route.needs_api_key else None)
    if "{id}" in route.resource:
        assert model.pathParameters == {"id": model.path.rsplit("/", 1)[1]}
    else:
        assert model.pathParameters is None


def test_query_strings_keep_every_value_and_the_last_as_the_single_one(local_stack):
    response = requests.get(
        f"{local_stack.api_url}/v1/products?category=garden&category=kitchen&q=",
        timeout=10,
    )
    event = next(
        e
        for e in local_stack.gateway.events
        if e["requestContext"]["requestId"] == response.headers["x-amzn-RequestId"]
    )
    assert event["multiValueQueryStringParameters"]["category"] == ["garden", "kitchen"]
    assert event["queryStringParameters"]["category"] == "kitchen"
    assert event["queryStringParameters"]["q"] == ""


@pytest.mark.parametrize("operation", sorted(REQUESTS))
def test_the_handler_answers_as_when_invoked_directly(local_stack, direct_api, operation):
    response, event = through_gateway(local_stack, operation)
    direct = direct_api.handle(event, LambdaContext("dev", request_id="direct"))
    assert response.status_code == direct["statusCode"]
    assert response.content == direct["body"].encode()
    for name, value in direct["headers"].items():
        assert response.headers.get(name) == value, name
    if direct["body"]:
        json.loads(direct["body"])  # the answer is the contract's JSON either way
