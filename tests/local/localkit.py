"""Helpers of the local stack's tests: ports, log files, requests for a gateway."""

import socket
from pathlib import Path

from local.events import HttpRequest
from local.gateway import Gateway
from local.responses import Reply

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
TFVARS = FIXTURES / "dev.tfvars"
API_KEY = "local-test-admin-key"
ECHO_KEY = "echo-key"
REGION = "eu-west-1"


def port_is_free(port: int) -> bool:
    """Return True when nothing listens on `port` (TIME_WAIT leftovers do not count:
    servers rebind with SO_REUSEADDR, as the stack's do)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


class LogFile:
    """A log sink that keeps the stack's lines in a file."""

    def __init__(self, path: Path):
        self.path = path

    def __call__(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def http_request(method: str, path: str, *, query=(), headers=(), body: bytes = b"") -> HttpRequest:
    """Return the request the HTTP server would hand the gateway."""
    return HttpRequest(
        method=method,
        path=path,
        query=list(query),
        headers=[("Host", "127.0.0.1:3000"), *headers],
        body=body,
        port=3000,
        declared_length=len(body),
    )


def send(gateway: Gateway, method: str, path: str, **parts) -> Reply:
    """Take one request through `gateway` (no HTTP server involved)."""
    return gateway.handle(http_request(method, path, **parts))
