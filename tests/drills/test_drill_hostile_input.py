"""Drill: hostile input, through the gateway and straight to the handler.

Promised: schemathesis over the whole contract (every operation, every
phase, stateful links inferred from `Location`) finds no server error and no
answer that breaks the contract; malformed Lambda events (not objects,
missing keys, wrong types, binary bodies, huge headers) get a 4xx JSON error
from the handler, never an exception or a 5xx; bodies over the stage's limit
get 413 from the function, over API Gateway's 10 MB from the gateway.

The findings these drills made (F2-F8 in docs/reliability.md) are fixed;
each test here failed before its fix.
"""

import base64
import http.client
import json
import subprocess
import sys
import time

import drillkit
import drillstack
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from local import stage
from local.limits import MAX_PAYLOAD_BYTES
from support.events import load_event

pytestmark = [pytest.mark.drills, pytest.mark.mariadb]

STACK_OPTIONS = {"concurrency": 4}
CONTRACT = yaml.safe_load((drillstack.ROOT / "api" / "openapi.yaml").read_text())
MAX_BODY = stage.load(drillstack.ROOT / "envs" / "dev.tfvars").app_config["max_body_bytes"]
SCHEMATHESIS = {
    "checks": [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "ignored_auth",
        "use_after_free",
        "ensure_resource_availability",
    ],
    "max_examples": 100,  # per operation and phase: 25 s on a quiet 2-vCPU machine, ~60 s busy
    "seed": 20261127,
}


def operation(operation_id: str) -> dict:
    for methods in CONTRACT["paths"].values():
        for op in methods.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return op
    raise KeyError(operation_id)


def conforms(value, schema_name: str) -> list[str]:
    """Return how `value` breaks the contract's schema `schema_name` (draft 4, as API Gateway)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": CONTRACT["components"]}
    return [e.message for e in Draft4Validator(schema).iter_errors(value)]


@pytest.fixture(scope="module")
def product(stack):
    return stack.create_product("HOSTILE-1", stock=1_000_000, price="99999999.99")


# --- schemathesis over the whole contract ------------------------------------------------


@pytest.fixture(scope="module")
def schemathesis_run(stack, tmp_path_factory):
    """Run schemathesis' CLI against the stack; return its JSON report, HAR and output."""
    out = tmp_path_factory.mktemp("schemathesis")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "run",
        str(drillstack.ROOT / "api" / "openapi.yaml"),
        "--url",
        stack.api_url,
        "--header",
        f"x-api-key: {stack.api_key}",
        "--checks",
        ",".join(SCHEMATHESIS["checks"]),
        "--max-examples",
        str(SCHEMATHESIS["max_examples"]),
        "--seed",
        str(SCHEMATHESIS["seed"]),
        "--workers",
        "1",
        "--request-timeout",
        "35",
        "--report",
        "json,har",
        "--report-json-path",
        str(out / "report.json"),
        "--report-har-path",
        str(out / "requests.har"),
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=out, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    assert (out / "report.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    entries = json.loads((out / "requests.har").read_text())["log"]["entries"]
    statuses: dict[str, int] = {}
    for entry in entries:
        key = str(entry["response"]["status"])
        statuses[key] = statuses.get(key, 0) + 1
    failures = {f"{f['code']} {f['title']}": f["count"] for f in report["failures"]}
    drillkit.record(
        "schemathesis",
        {
            "operations": report["operations"]["tested"],
            "phases": {name: p["status"] for name, p in report["phases"].items()},
            "test_cases": report["test_cases"]["generated"],
            "requests": len(entries),
            "by_status": dict(sorted(statuses.items())),
            "failures": failures,
            "errors": len(report["errors"]),
            "seconds": round(seconds, 1),
            **SCHEMATHESIS,
        },
    )
    return {"report": report, "statuses": statuses, "output": done.stdout, "failures": failures}


def test_schemathesis_ran_every_operation_and_phase(schemathesis_run):
    report = schemathesis_run["report"]
    assert report["operations"]["tested"] == report["operations"]["total"] == 13
    assert {p["status"] for p in report["phases"].values()} <= {"success", "failure"}
    assert report["errors"] == [], schemathesis_run["output"][-3000:]


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_contract(
    schemathesis_run,
):
    statuses = schemathesis_run["statuses"]
    assert [s for s in statuses if s.startswith("5")] == []
    assert schemathesis_run["failures"] == {}, schemathesis_run["output"][-6000:]


# --- what schemathesis found, one deterministic drill each --------------------------------

UNDECLARED = [
    ("createProduct", "POST", "/v1/products", {}, 403),
    ("updateProduct", "PUT", "/v1/products/1", {}, 403),
    ("deleteProduct", "DELETE", "/v1/products/1", {}, 403),
    ("deleteProduct", "DELETE", "/v1/products/0", {"x-api-key": drillstack.API_KEY}, 422),
    ("getProduct", "GET", "/v1/products/0", {}, 422),
    ("getProduct", "GET", "/v1/products/1", {"Origin": "o" * 300}, 422),
    ("getOrder", "GET", "/v1/orders/not-an-order-id", {}, 422),
    ("preflightOrders", "OPTIONS", "/v1/orders", {"Origin": "https://evil.example"}, 403),
]


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "headers", "status"),
    [pytest.param(*case, id=f"{case[0]}-{case[4]}") for case in UNDECLARED],
)
def test_every_status_the_stack_answers_is_declared_in_the_contract(
    stack, client, operation_id, method, path, headers, status
):
    body = {"sku": "X-1", "name": "x", "category": "c", "price": "1.00", "stock": 1}
    answer = client.request(
        method, path, body=body if method in ("POST", "PUT") else None, headers=headers
    )
    assert answer.status == status, answer
    assert str(status) in operation(operation_id)["responses"]


def test_the_largest_order_the_contract_allows_is_answered_within_the_contract(
    stack, client, product
):
    # GIVEN a product at the highest price the contract allows
    # WHEN an order asks for the most units it can: 50 lines of 100
    answer = drillkit.place(
        client,
        drillkit.Order("large@drill.example.com", [{"product_id": product, "quantity": 100}] * 50),
        retry_until=0,
    ).final

    # THEN it is placed, and the answer is an Order as the contract describes it
    assert answer.status == 201, answer
    assert conforms(answer.body, "Order") == []


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_a_method_without_a_route_gets_the_gateways_403(stack, method):
    connection = http.client.HTTPConnection(stack.api_url.removeprefix("http://"), timeout=30)
    connection.request(method, "/v1/health")
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    assert answer.status == 403, body
    assert json.loads(body)["error"]["code"] == "MISSING_AUTHENTICATION_TOKEN"


# --- bodies over the limits ---------------------------------------------------------------


def padded(document: dict, size: int) -> bytes:
    """Return `document` as JSON padded with spaces to exactly `size` bytes (still valid)."""
    raw = json.dumps(document).encode()
    return raw[:-1] + b" " * (size - len(raw)) + raw[-1:]


def test_bodies_over_the_stage_limit_get_413_from_the_function(stack, product):
    order = {
        "customer_email": "big@drill.example.com",
        "items": [{"product_id": product, "quantity": 1}],
    }
    new = {"sku": "BIG-1", "name": "x", "category": "c", "price": "1.00", "stock": 1}
    admin = {"x-api-key": stack.api_key}
    replaced = stack.create_product("BIG-2", stock=1)
    sent = [
        ("POST", "/v1/orders", order, {}),
        ("POST", "/v1/products", new, admin),
        ("PUT", f"/v1/products/{replaced}", new, admin),
    ]
    client = drillkit.Client(stack.api_url)
    answers = {}
    for method, path, document, headers in sent:
        for size in (MAX_BODY, MAX_BODY + 1):
            for content_type in ("application/json", "text/plain"):
                response = client.raw(
                    method,
                    path,
                    data=padded(document, size),
                    headers={**headers, "Content-Type": content_type},
                )
                answers[(method, path, size, content_type)] = response
    over = {k: r for k, r in answers.items() if k[2] > MAX_BODY}
    at_limit = {k: r for k, r in answers.items() if k[2] == MAX_BODY}
    assert {k: r.status_code for k, r in over.items()} == dict.fromkeys(over, 413)
    assert {r.json()["error"]["code"] for r in over.values()} == {"payload_too_large"}
    assert 413 not in {r.status_code for r in at_limit.values()}
    drillkit.record(
        "body_limits",
        {
            "max_body_bytes": MAX_BODY,
            "requests": len(answers),
            "over_the_limit_413": sum(1 for r in over.values() if r.status_code == 413),
            "at_the_limit": sorted({r.status_code for r in at_limit.values()}),
        },
    )


def test_a_body_over_api_gateways_10_mb_is_refused_by_the_gateway(stack):
    # The body is announced, not sent: the gateway must refuse on the length alone.
    connection = http.client.HTTPConnection(stack.api_url.removeprefix("http://"), timeout=30)
    connection.putrequest("POST", "/v1/orders")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(MAX_PAYLOAD_BYTES + 1))
    connection.endheaders()
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    assert answer.status == 413
    assert body["error"]["code"] == "REQUEST_TOO_LARGE"


def test_a_deeply_nested_body_under_the_limit_is_refused_with_400(stack):
    nested = b'{"customer_email": "a@b.co", "items": ' + b"[" * 30000 + b"]" * 30000 + b"}"
    answer = drillkit.Client(stack.api_url).raw(
        "POST", "/v1/orders", data=nested, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "BAD_REQUEST_BODY"


# --- malformed events straight to the handler -----------------------------------------------


MISSING = "999999999"  # a product id that never exists, so a served GET is a plain 404


def event(name: str = "get_product", **changes) -> dict:
    sample = load_event(name)
    if name == "get_product":
        sample |= {"path": f"/v1/products/{MISSING}", "pathParameters": {"id": MISSING}}
    return {**sample, **changes}


ORDER_JSON = '{"customer_email": "a@b.co", "items": [{"product_id": %s, "quantity": %s}]}'


def order_event(body: str, **changes) -> dict:
    headers = {"Content-Type": "application/json"}
    return event("create_order", body=body, headers=headers, **changes)


# name: (event, the status the handler must answer with)
MALFORMED = {
    "a list": ([], 400),
    "a string": ("GET /v1/health", 400),
    "a number": (42, 400),
    "null": (None, 400),
    "an empty object": ({}, 400),
    "no path": ({"httpMethod": "GET"}, 400),
    "no httpMethod": ({"path": "/v1/health"}, 400),
    "httpMethod a number": (event(httpMethod=5), 400),
    "path a list": (event(path=["/v1/health"]), 400),
    "headers a string": (event(headers="Origin: x"), 400),
    "headers a list": (event(headers=[["Origin", "x"]]), 400),
    "queryStringParameters a number": (event(queryStringParameters=3), 400),
    "pathParameters a list": (event(pathParameters=[1]), 400),
    "body an object": (event("create_order", body={"items": []}), 400),
    "body a number": (event(body=12), 400),
    "binary body": (
        order_event(base64.b64encode(bytes(range(256))).decode(), isBase64Encoded=True),
        400,
    ),
    "lone surrogate body": (order_event("\ud800"), 400),
    "NaN in the body": (order_event(ORDER_JSON % (1, "NaN")), 400),
    "a 5000-digit integer": (order_event(ORDER_JSON % ("9" * 5000, 1)), 400),
    "header values not strings": (event(headers={"Origin": {"a": 1}, "X-N": 5}), 404),
    "multiValueQueryStringParameters not lists": (
        event(multiValueQueryStringParameters={"a": "b"}),
        404,
    ),
    "requestContext a string": (event(requestContext="x"), 404),
    "isBase64Encoded a string": (event(isBase64Encoded="yes", body="abc"), 404),
    "a 1 MB header": (event(headers={"X-Big": "a" * 1_000_000}), 404),
    "10000 headers": (event(headers={f"X-H{i}": "v" for i in range(10_000)}), 404),
    "an unknown route": (event(resource=None, path="/v1/nope"), 404),
    "an unknown method": (event(httpMethod="BREW"), 405),
    "pathParameters not an integer": (event(pathParameters={"id": "abc"}), 422),
    "a 100 kB path": (
        event(resource=None, pathParameters=None, path="/v1/products/" + "1" * 100_000),
        422,
    ),
    "a NUL in the path": (
        event(resource=None, pathParameters=None, path="/v1/products/1\x00"),
        422,
    ),
    "a body over the limit": (order_event(" " * (MAX_BODY + 1)), 413),
    "invalid base64 body": pytest.param(order_event("!!!", isBase64Encoded=True), 400),
    "resource and path disagree": pytest.param(
        event(resource="/v1/products/{id}", path="/v1/health", pathParameters=None),
        404,
    ),
    "deeply nested JSON": pytest.param(order_event("[" * 30000 + "]" * 30000), 400),
}


def error_document_problems(payload) -> list[str]:
    """Return what is wrong with `payload` as an error answer of the handler."""
    if not isinstance(payload, dict) or not isinstance(payload.get("statusCode"), int):
        return [f"not a proxy result: {str(payload)[:300]}"]
    problems = []
    error = json.loads(payload.get("body") or "{}").get("error", {})
    if not {"code", "message", "request_id"} <= set(error):
        problems.append(f"not an error document: {payload.get('body', '')[:300]}")
    if "Traceback" in payload.get("body", ""):
        problems.append("a stack trace left the process")
    return problems


@pytest.mark.parametrize(
    ("malformed", "status"),
    list(MALFORMED.values()),
    ids=list(MALFORMED),
)
def test_a_malformed_event_gets_a_4xx_json_error_from_the_handler(stack, malformed, status):
    payload, function_error = stack.invoke("api", malformed)
    assert function_error is None, payload
    assert error_document_problems(payload) == []
    assert payload["statusCode"] == status, payload


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
TEXT = st.text(max_size=80)
RESOURCES = [p for p in CONTRACT["paths"]]
PATHS = ["/v1/health", "/v1/products", "/v1/products/1", "/v1/products/x", "/v1/orders/" + "a" * 32]
HEADERS = ["Content-Type", "Origin", "Idempotency-Key", "If-Match", "x-api-key", "Cache-Control"]
PARAMS = ["category", "min_price", "max_price", "q", "sort", "page", "page_size", "id"]
# Per key: plausible values (the contract's own templates, paths, names) or anything at all.
EVENT_VALUES = {
    "resource": st.sampled_from(RESOURCES) | JSON_VALUES,
    "path": st.sampled_from(PATHS) | TEXT | JSON_VALUES,
    "httpMethod": st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"])
    | JSON_VALUES,
    "headers": st.dictionaries(st.sampled_from(HEADERS) | TEXT, TEXT | JSON_VALUES, max_size=4)
    | JSON_VALUES,
    "multiValueHeaders": st.dictionaries(st.sampled_from(HEADERS), st.lists(TEXT), max_size=3)
    | JSON_VALUES,
    "queryStringParameters": st.dictionaries(st.sampled_from(PARAMS), TEXT, max_size=4)
    | JSON_VALUES,
    "multiValueQueryStringParameters": st.dictionaries(
        st.sampled_from(PARAMS), st.lists(TEXT, max_size=3), max_size=3
    )
    | JSON_VALUES,
    "pathParameters": st.dictionaries(st.just("id"), TEXT, max_size=1) | JSON_VALUES,
    "requestContext": JSON_VALUES,
    "body": TEXT | JSON_VALUES.map(json.dumps) | JSON_VALUES,
    "isBase64Encoded": st.booleans() | JSON_VALUES,
}
SAMPLES = ["health", "list_products", "get_product", "get_order", "create_order", "update_product"]
FUZZED = {"events": 0}  # events the fuzzer sent (Hypothesis' max_examples, or fewer)


@st.composite
def mutated_events(draw):
    """A sample event with one to four of its keys replaced, or dropped."""
    sample = load_event(draw(st.sampled_from(SAMPLES)))
    keys = draw(st.lists(st.sampled_from(list(EVENT_VALUES)), min_size=1, max_size=4, unique=True))
    for key in keys:
        if draw(st.integers(0, 4)) == 0:
            sample.pop(key, None)
        else:
            sample[key] = draw(EVENT_VALUES[key])
    return sample


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,  # the same 300 events every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutated=mutated_events())
def test_fuzzed_events_never_get_a_server_error(stack, mutated):
    FUZZED["events"] += 1
    drillkit.record("fuzzed_events", dict(FUZZED))
    payload, function_error = stack.invoke("api", mutated)
    assert function_error is None, (mutated, payload)
    assert isinstance(payload, dict) and payload["statusCode"] < 500, (mutated, payload)
