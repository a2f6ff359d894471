import base64
import json

import pytest

from shop.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from shop.http import NotAnApiEvent, cors_headers, decode_json_body, parse_request
from support.events import load_event


def test_parses_a_real_proxy_event():
    request = parse_request(load_event("list_products"), fallback_request_id="x")
    assert (request.method, request.path, request.resource) == (
        "GET",
        "/v1/products",
        "/v1/products",
    )
    assert request.query["page_size"] == "10"
    assert request.header("ORIGIN") == "https://dev.shop.example.com"
    assert request.request_id == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


@pytest.mark.parametrize(
    "event",
    [None, [], "GET /", {"Records": []}, {"httpMethod": "GET"}, {"path": "/v1/health"}],
)
def test_refuses_what_is_not_an_api_gateway_event(event):
    with pytest.raises(NotAnApiEvent):
        parse_request(event, fallback_request_id="x")


def test_refuses_wrongly_typed_parts():
    with pytest.raises(NotAnApiEvent, match="headers must be an object"):
        parse_request(
            load_event("health", headers=None) | {"headers": ["a"]}, fallback_request_id="x"
        )
    with pytest.raises(NotAnApiEvent, match="body must be a string"):
        parse_request(load_event("health") | {"body": {"a": 1}}, fallback_request_id="x")


def _request(body: bytes | str, content_type="application/json", b64=False):
    event = load_event("create_order", headers={"Content-Type": content_type})
    if b64:
        event |= {"body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    else:
        event |= {"body": body}
    return parse_request(event, fallback_request_id="x")


def test_decodes_money_as_decimal_never_float():
    body = decode_json_body(_request('{"price": 12.10}'), max_bytes=100)
    assert str(body["price"]) == "12.10" and not isinstance(body["price"], float)


def test_body_over_the_limit_is_413_before_parsing():
    with pytest.raises(PayloadTooLarge, match="the body is 101 bytes; the limit is 100"):
        decode_json_body(_request("x" * 101), max_bytes=100)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_other_media_types_are_415(content_type):
    with pytest.raises(UnsupportedMediaType, match="Content-Type must be application/json"):
        decode_json_body(_request("{}", content_type=content_type), max_bytes=100)


def test_json_with_charset_is_accepted():
    request = _request('{"a": 1}', content_type="application/json; charset=utf-8")
    assert decode_json_body(request, max_bytes=100) == {"a": 1}


@pytest.mark.parametrize("raw", ["{", "[1,]", "NaN", '{"a": Infinity}', "\udcff"])
def test_malformed_json_is_400(raw):
    with pytest.raises(BadRequest, match="not valid JSON"):
        decode_json_body(_request(raw), max_bytes=100)


def test_binary_bodies_are_decoded_then_refused_as_not_json():
    request = _request(b"\x89PNG\r\n\x1a\n\x00\x00", b64=True)
    with pytest.raises(BadRequest, match="not valid JSON"):
        decode_json_body(request, max_bytes=100)
    event = load_event("create_order") | {"body": "%%%", "isBase64Encoded": True}
    with pytest.raises(BadRequest, match="not valid base64"):
        parse_request(event, fallback_request_id="x")


def test_cors_wildcard_only_when_configured():
    assert cors_headers("https://any.example", ("*",))["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in cors_headers("*", ("https://a.example",))


def test_error_documents_are_json():
    from shop.errors import ValidationFailed
    from shop.http import Response, error_body, render

    body = error_body(ValidationFailed("page must be an integer", field="page"), "rid")
    result = render(Response(422, body), {"Vary": "Origin"})
    assert json.loads(result["body"]) == {
        "error": {
            "code": "validation_error",
            "message": "page must be an integer",
            "request_id": "rid",
            "field": "page",
        }
    }
    assert result["headers"]["Content-Type"].startswith("application/json")
