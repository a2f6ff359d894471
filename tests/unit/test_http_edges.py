"""The HTTP edge of the function, as API Gateway sees it: what goes out, what comes in."""

import base64
from decimal import Decimal

import pytest

from shop.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shop.http import (
    NotAnApiEvent,
    Response,
    cors_headers,
    decode_json_body,
    error_body,
    parse_request,
    render,
)


def event(**changes):
    base = {
        "httpMethod": "post",
        "path": "/v1/orders",
        "resource": "/v1/orders",
        "headers": {"Content-Type": "application/json", "X-Empty": None},
        "queryStringParameters": {"a": "1", "b": None, "n": 2},
        "pathParameters": None,
        "requestContext": {"requestId": "req-1"},
        "body": '{"x": 1}',
        "isBase64Encoded": False,
    }
    return {**base, **changes}


def test_a_json_answer_is_compact_unescaped_and_typed():
    out = render(Response(201, {"name": "Café", "n": [1, 2]}, {"Location": "/x"}), {"Vary": "O"})
    assert out == {
        "statusCode": 201,
        "headers": {
            "Location": "/x",
            "Vary": "O",
            "Content-Type": "application/json; charset=utf-8",
        },
        "body": '{"name":"Café","n":[1,2]}',
        "isBase64Encoded": False,
    }


def test_an_empty_answer_has_no_body_and_no_content_type_and_headers_merge():
    out = render(Response(204, None, {"ETag": '"1"', "Vary": "a"}), {"Vary": "Origin"})
    assert out == {
        "statusCode": 204,
        "headers": {"ETag": '"1"', "Vary": "Origin"},
        "body": "",
        "isBase64Encoded": False,
    }


def test_a_declared_content_type_is_kept():
    out = render(Response(200, {"a": 1}, {"Content-Type": "application/problem+json"}), {})
    assert out["headers"]["Content-Type"] == "application/problem+json"


def test_a_request_is_read_with_lower_case_headers_and_string_parameters():
    request = parse_request(event(), fallback_request_id="fallback")
    assert request.method == "POST"
    assert request.headers == {"content-type": "application/json"}
    assert request.header("Content-TYPE") == "application/json"
    assert request.header("x-missing") is None
    assert request.query == {"a": "1", "n": "2"}
    assert request.path_params == {}
    assert request.raw_body == b'{"x": 1}'
    assert request.request_id == "req-1"


def test_without_a_request_id_the_fallback_is_used():
    request = parse_request(event(requestContext=None), fallback_request_id="fallback")
    assert request.request_id == "fallback"
    assert parse_request(event(resource=7), fallback_request_id="f").resource is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"headers": []}, "headers must be an object or null"),
        ({"queryStringParameters": "a=1"}, "queryStringParameters must be an object or null"),
        ({"pathParameters": ["id"]}, "pathParameters must be an object or null"),
        ({"body": {"x": 1}}, "body must be a string or null"),
        ({"httpMethod": None}, "expected an API Gateway proxy event with httpMethod and path"),
        ({"path": 7}, "expected an API Gateway proxy event with httpMethod and path"),
    ],
)
def test_an_event_that_is_not_a_proxy_event_says_which_part(changes, message):
    with pytest.raises(NotAnApiEvent) as caught:
        parse_request(event(**changes), fallback_request_id="f")
    assert str(caught.value) == message


def test_not_an_object_at_all_names_what_it_got():
    with pytest.raises(NotAnApiEvent, match="got list"):
        parse_request([], fallback_request_id="f")


def test_a_base64_body_is_decoded_and_a_bad_one_is_a_400():
    encoded = base64.b64encode(b'{"x": 2}').decode()
    request = parse_request(event(body=encoded, isBase64Encoded=True), fallback_request_id="f")
    assert request.raw_body == b'{"x": 2}'
    marked_only = parse_request(
        event(body=encoded, isBase64Encoded="true"), fallback_request_id="f"
    )
    assert marked_only.raw_body == encoded.encode()
    with pytest.raises(BadRequest) as caught:
        parse_request(event(body="not base64!", isBase64Encoded=True), fallback_request_id="f")
    assert str(caught.value) == "the body is marked base64 but is not valid base64"


def test_an_empty_body_is_no_body():
    assert parse_request(event(body=""), fallback_request_id="f").raw_body is None
    with pytest.raises(BadRequest, match="^a JSON body is required$"):
        decode_json_body(parse_request(event(body=""), fallback_request_id="f"), max_bytes=10)


def body_of(text, content_type="application/json"):
    return parse_request(
        event(body=text, headers={"Content-Type": content_type}), fallback_request_id="f"
    )


def test_the_body_limit_is_inclusive_and_says_both_sizes():
    assert decode_json_body(body_of('{"a":1}'), max_bytes=7) == {"a": 1}
    with pytest.raises(PayloadTooLarge) as caught:
        decode_json_body(body_of('{"a":12}'), max_bytes=7)
    assert str(caught.value) == "the body is 8 bytes; the limit is 7 bytes"


def test_json_with_parameters_in_its_media_type_is_json_and_anything_else_is_a_415():
    assert decode_json_body(body_of("[]", " Application/JSON ; charset=utf-8"), max_bytes=9) == []
    with pytest.raises(UnsupportedMediaType) as caught:
        decode_json_body(body_of("[]", "text/plain"), max_bytes=9)
    assert str(caught.value) == "Content-Type must be application/json, got text/plain"
    request = parse_request(event(body="[]", headers={}), fallback_request_id="f")
    with pytest.raises(UnsupportedMediaType, match="got none$"):
        decode_json_body(request, max_bytes=9)


def test_numbers_stay_exact_and_non_json_constants_are_refused():
    assert decode_json_body(body_of('{"p": 12.10}'), max_bytes=99) == {"p": Decimal("12.10")}
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(BadRequest, match=f"{constant} is not valid JSON"):
            decode_json_body(body_of(f'{{"p": {constant}}}'), max_bytes=99)


def test_deep_nesting_is_a_400_not_a_crash():
    with pytest.raises(BadRequest) as caught:
        decode_json_body(body_of("[" * 100000 + "]" * 100000), max_bytes=10**6)
    assert str(caught.value) == "the body is not valid JSON: nested too deeply"


def test_cors_echoes_an_allowed_origin_and_exposes_headers_and_tells_others_nothing():
    allowed = ("https://a.example.com",)
    echoed = cors_headers("https://a.example.com", allowed)
    assert echoed["Vary"] == "Origin"
    assert echoed["Access-Control-Allow-Origin"] == "https://a.example.com"
    assert "ETag" in echoed["Access-Control-Expose-Headers"]
    assert cors_headers("https://b.example.com", allowed) == {"Vary": "Origin"}
    assert cors_headers("https://a.example.com.evil.net", allowed) == {"Vary": "Origin"}
    assert cors_headers(None, allowed) == {"Vary": "Origin"}
    anyone = cors_headers(None, ("*",))
    assert anyone["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Expose-Headers" in anyone


def test_an_error_body_names_its_field_only_when_it_has_one():
    assert error_body(BadRequest("bad"), "r-1") == {
        "error": {"code": "bad_request", "message": "bad", "request_id": "r-1"}
    }
    failed = error_body(ValidationFailed("items[0] is wrong", field="items[0]"), "r-2")
    assert failed["error"]["field"] == "items[0]"
