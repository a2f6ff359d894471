"""CORS through the local gateway and the real handler: allowed origins are
echoed with `Vary: Origin`, others get no CORS headers, preflights are
answered by the gateway from the stage's allowlist, and the gateway's own
errors are rendered from the contract's gateway responses, CORS included."""

import pytest
import requests

GOOD = "https://dev.shop.example.com"
EVIL = "https://evil.example.com"


def cors_headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.fixture
def url(local_stack):
    return local_stack.api_url


def preflight(url, path, *, origin=GOOD, method="POST", headers="Content-Type"):
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return requests.options(url + path, headers=asked, timeout=10)


def test_an_allowed_origin_is_echoed_with_vary_origin(url):
    answer = requests.get(f"{url}/v1/products/1", headers={"Origin": GOOD}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == GOOD
    assert answer.headers["Vary"] == "Origin"


def test_a_disallowed_origin_gets_no_cors_headers(url):
    answer = requests.get(f"{url}/v1/products/1", headers={"Origin": EVIL}, timeout=10)
    assert answer.status_code == 200
    assert cors_headers(answer) == {}
    assert answer.headers["Vary"] == "Origin"


def test_the_storefront_origin_of_the_running_stack_is_allowed(local_stack, url):
    answer = requests.get(f"{url}/v1/health", headers={"Origin": local_stack.web_url}, timeout=10)
    assert answer.headers["Access-Control-Allow-Origin"] == local_stack.web_url


def test_a_preflight_from_an_allowed_origin_is_answered_by_the_gateway(url):
    answer = preflight(url, "/v1/orders", headers="content-type, idempotency-key")
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == GOOD
    assert answer.headers["Access-Control-Allow-Methods"] == "GET,POST,PUT,DELETE,OPTIONS"
    assert "Idempotency-Key" in answer.headers["Access-Control-Allow-Headers"].split(",")
    assert answer.headers["Access-Control-Max-Age"] == "600"
    assert answer.headers["Vary"] == "Origin"
    assert "x-amzn-RequestId" in answer.headers


@pytest.mark.parametrize(
    ("why", "overrides"),
    [
        ("origin not allowed", {"origin": EVIL}),
        ("method not allowed", {"method": "PATCH"}),
        ("method missing", {"method": ""}),
        ("header not allowed", {"headers": "Content-Type, X-Evil"}),
    ],
)
def test_a_preflight_outside_the_allowlist_is_refused(url, why, overrides):
    answer = preflight(url, "/v1/products/1", **overrides)
    assert answer.status_code == 403, why
    assert "Access-Control-Allow-Origin" not in answer.headers, why


def test_gateway_errors_are_rendered_from_the_contract_with_cors(local_stack, url):
    # POST /v1/products needs the API key: the gateway refuses before the function.
    answer = requests.post(
        f"{url}/v1/products", json={"sku": "X"}, headers={"Origin": GOOD}, timeout=10
    )
    assert answer.status_code == 403
    assert answer.json() == {
        "error": {
            "code": "INVALID_API_KEY",
            "message": "Forbidden",
            "request_id": answer.headers["x-amzn-RequestId"],
        }
    }
    # DEFAULT_4XX carries the stage's primary origin (its first allowed one).
    primary = local_stack.gateway.cors.allowed_origins[0]
    assert answer.headers["Access-Control-Allow-Origin"] == primary
    assert answer.headers["Vary"] == "Origin"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "message"),
    [
        ("GET", "/v2/products", {}, 403, "MISSING_AUTHENTICATION_TOKEN",
         "Missing Authentication Token"),
        ("PATCH", "/v1/products/1", {}, 403, "MISSING_AUTHENTICATION_TOKEN",
         "Missing Authentication Token"),
        ("POST", "/v1/orders", {"json": {"customer_email": "a@b.example", "items": []}}, 400,
         "BAD_REQUEST_BODY", "Invalid request body"),
    ],
)  # fmt: skip
def test_refusals_before_the_function(url, method, path, kwargs, status, code, message):
    answer = requests.request(method, url + path, timeout=10, **kwargs)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"] == message
