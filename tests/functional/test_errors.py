"""Every failure is a JSON error with the right status; nothing half-written stays."""

import json

import pymysql
import pytest

from support.events import LambdaContext, load_event, load_json


def error_of(answer):
    assert set(answer.json) == {"error"}, answer
    assert answer.json["error"]["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    return answer.json["error"]


def test_malformed_json_is_400(call):
    answer = call("create_order", body='{"customer_email": ')
    assert answer.status == 400 and error_of(answer)["code"] == "bad_request"


def test_unknown_route_is_404_and_wrong_method_405_with_allow(call):
    assert call("health", path="/v1/nope", resource=None).status == 404
    answer = call("health", httpMethod="DELETE")
    assert answer.status == 405 and answer.headers["Allow"] == "GET, OPTIONS"


def test_body_over_the_stage_limit_is_413(call, aws, make_api):
    aws.set_config("dev", max_body_bytes=1024)
    answer = call("create_order", target=make_api(), body={"customer_email": "a" * 2000})
    assert answer.status == 413
    assert error_of(answer)["message"].endswith("the limit is 1024 bytes")


def test_non_json_body_is_415(call):
    answer = call("create_order", headers={"Content-Type": "text/plain"})
    assert answer.status == 415 and error_of(answer)["code"] == "unsupported_media_type"


def test_validation_names_the_field(call):
    body = {"customer_email": "a@example.com", "items": [{"product_id": 1, "quantity": 0}]}
    answer = call("create_order", body=body)
    assert answer.status == 422
    assert error_of(answer)["field"] == "items[0].quantity"


@pytest.mark.parametrize(
    "event",
    [
        load_json("s3_put"),
        load_json("scheduled_event") | {"source": "aws.s3"},
        [],
        "GET /v1/health",
    ],
)
def test_events_that_are_not_from_api_gateway_get_a_clear_error(api, event):
    result = api.handle(event, LambdaContext("dev"))
    body = json.loads(result["body"])
    assert result["statusCode"] == 400
    assert body["error"]["code"] == "unsupported_event"
    assert "API Gateway" in body["error"]["message"]


@pytest.mark.parametrize(
    "mutation",
    [
        {"headers": ["Origin"]},
        {"queryStringParameters": "page=1"},
        {"pathParameters": 7},
        {"body": {"json": "object"}},
        {"requestContext": None, "headers": None},
        {"httpMethod": None},
    ],
)
def test_malformed_events_never_crash(api, mutation):
    event = load_event("create_order") | mutation
    result = api.handle(event, LambdaContext("dev"))
    assert 400 <= result["statusCode"] < 500
    assert "error" in json.loads(result["body"])


def test_database_down_is_503_with_retry_after(make_api):
    # GIVEN nothing listens on the database port
    api = make_api({"SHOP_DB_PORT": "1", "SHOP_DB_CONNECT_TIMEOUT": "1"})
    result = api.handle(load_event("list_products"), LambdaContext("dev"))
    body = json.loads(result["body"])
    assert result["statusCode"] == 503
    assert result["headers"]["Retry-After"] == "3"  # from the stage config
    assert body["error"]["code"] == "service_unavailable"
    assert "Traceback" not in result["body"]


def test_too_many_connections_is_503_and_leaves_no_connection(api, mariadb):
    # GIVEN the server's connections are all taken (MySQL error 1040)
    with mariadb.admin() as conn, conn.cursor() as cur:
        cur.execute("SELECT @@max_connections")
        original = cur.fetchone()[0]
        cur.execute("SET GLOBAL max_connections = 3")
    hogs = []
    try:
        while True:
            try:
                hogs.append(
                    pymysql.connect(
                        host="127.0.0.1",
                        port=mariadb.port,
                        user=mariadb.user,
                        password=mariadb.password,
                    )
                )
            except pymysql.err.OperationalError as exc:
                assert exc.args[0] == 1040
                break
        # WHEN a request comes in
        result = api.handle(load_event("list_products"), LambdaContext("dev"))
        # THEN it is told to retry, not crashed
        assert result["statusCode"] == 503
        assert "too many connections" in json.loads(result["body"])["error"]["message"]
        assert "Retry-After" in result["headers"]
    finally:
        for hog in hogs:
            hog.close()
        with mariadb.admin() as conn, conn.cursor() as cur:
            cur.execute(f"SET GLOBAL max_connections = {int(original)}")
    assert api.handle(load_event("health"), LambdaContext("dev"))["statusCode"] == 200
