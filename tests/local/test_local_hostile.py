"""The local gateway answers malformed and oversized requests as AWS does.

A hostile client's requests that API Gateway (or its front door) refuses must
be refused here too, never dropped, hung or handed to the function: a
Content-Length that cannot frame a message, an encoded slash that would
change the route, a body over Lambda's invoke limit, and a body field that a
`$`-anchored pattern would accept with a trailing newline.
"""

import socket
from pathlib import Path

import pytest
from localkit import send

from local import contract as local_contract
from local.httpd import Server
from local.limits import LAMBDA_INVOKE_LIMIT_BYTES
from local.responses import Reply
from local.validation import body_is_valid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recording_server():
    """An HTTP server whose app records every request it is handed."""
    seen = []

    def app(request):
        seen.append(request)
        return Reply(200, [("Content-Type", "application/json")], b"{}")

    server = Server(app, port=0)
    server.start()
    yield server, seen
    server.stop()


def exchange(server, raw: bytes) -> bytes:
    """Send `raw` and return all that came back until the server closed the connection.

    A server that kept the connection open (a read blocked on a body that never
    comes) would make recv time out and the test fail.
    """
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):  # b"" once the server closes
            received += chunk
        return received


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "12, 13"])
def test_a_content_length_that_cannot_frame_the_message_is_400_and_closed(recording_server, value):
    # GIVEN a POST whose Content-Length is not a decimal number (RFC 9112 section 6.3)
    server, seen = recording_server
    raw = (f"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: {value}\r\n\r\n{{}}").encode()
    # WHEN it is sent, THEN the answer is a 400 and the server closes the connection
    # (a blocked read would instead hold the socket open until the client gives up)
    received = exchange(server, raw)
    assert received.startswith(b"HTTP/1.1 400 "), received[:200]
    assert b"Connection: close" in received
    # ... and nothing reached the app
    assert seen == []


def test_two_different_content_lengths_are_400(recording_server):
    server, seen = recording_server
    raw = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
    received = exchange(server, raw)
    assert received.startswith(b"HTTP/1.1 400 ") and seen == []


def test_a_valid_content_length_still_reaches_the_app(recording_server):
    server, seen = recording_server
    raw = b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    received = exchange(server, raw)
    assert received.startswith(b"HTTP/1.1 200 ")
    assert [(r.body, r.raw_path) for r in seen] == [(b"{}", "/x")]


@pytest.fixture(scope="module")
def shop_contract():
    return local_contract.load(ROOT / "api" / "openapi.yaml", {})


def test_an_encoded_slash_stays_in_its_segment(shop_contract):
    # API Gateway routes on the path as sent: %2F does not split a segment, and the
    # parameter is decoded after the route is chosen.
    route, params = shop_contract.match("GET", "/v1/products/1%2F2")
    assert route.operation_id == "getProduct" and params == {"id": "1/2"}
    assert shop_contract.match("GET", "/v1/products/1/2") == (None, {})
    route, params = shop_contract.match("GET", "/v1/products/1%0A")
    assert route.operation_id == "getProduct" and params == {"id": "1\n"}


def test_a_body_field_with_a_trailing_newline_breaks_a_dollar_anchored_pattern(shop_contract):
    route = shop_contract.operation("createProduct")
    product = b'{"sku": "%s", "name": "mug", "category": "c", "price": "%s", "stock": 1}'
    assert body_is_valid(route, body=product % (b"DUP-1", b"1.00"), content_type=None)
    assert not body_is_valid(route, body=product % (b"DUP-1\\n", b"1.00"), content_type=None)
    assert not body_is_valid(route, body=product % (b"DUP-1", b"12.50\\n"), content_type=None)


def test_a_body_over_lambdas_invoke_limit_is_413_and_never_reaches_the_function(
    make_echo_gateway,
):
    # GIVEN a body under API Gateway's 10 MB but over Lambda's 6 MB invoke limit
    gateway = make_echo_gateway(record_events=5)
    big = b"x" * (LAMBDA_INVOKE_LIMIT_BYTES + 1024)
    # WHEN it is sent, THEN the gateway's 413, and the function was never invoked
    reply = send(gateway, "GET", "/echo", body=big)
    assert reply.status == 413
    assert list(gateway.events) == []
    # ... while a body well under the limit is invoked as before
    assert send(gateway, "GET", "/echo", body=b"x" * 1024).status == 200
    assert len(gateway.events) == 1
