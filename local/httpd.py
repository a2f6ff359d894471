"""A small threaded HTTP/1.1 server around an `app(HttpRequest) -> Reply` function.

Used by the gateway and the storefront server. It binds 127.0.0.1 only,
refuses to start on a taken port (OSError, for the caller to explain), and
closes its socket on `stop()` so the port is free at once. A body larger
than `max_body` is not read: the app sees an empty body and its declared
length, and the connection is closed after the answer. A Content-Length that
is not a decimal number (`abc`, `-1`, two different values) makes the message
unframeable: RFC 9112 section 6.3 (https://www.rfc-editor.org/rfc/rfc9112#section-6.3)
has the server answer 400 and close the connection, which is what API
Gateway's front door does too; nothing reaches the app.
"""

import sys
import threading
import traceback
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from local.events import HttpRequest
from local.responses import Reply

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def urlopen(request, *, timeout: float):
    """Open `request` without any HTTP(S)_PROXY: the stack only talks to 127.0.0.1."""
    return _DIRECT.open(request, timeout=timeout)


def content_length(values: list[str]) -> int | None:
    """Return the declared body length (0 if none); None when it cannot frame a message."""
    found = {value.strip() for value in values}
    if not found:
        return 0
    if len(found) > 1 or not all(v.isdigit() and v.isascii() for v in found):
        return None
    return int(found.pop())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of new connections would be
    # dropped or reset instead of queued, which API Gateway never does.
    request_queue_size = 128


class Server:
    def __init__(
        self,
        app: Callable[[HttpRequest], Reply],
        *,
        port: int,
        host: str = "127.0.0.1",
        max_body: int = 10 * 1024 * 1024,
    ):
        handler = type("Handler", (_Handler,), {"app": staticmethod(app), "max_body": max_body})
        self._httpd = _Server((host, port), handler)
        self.host, self.port = host, self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, every keep-alive
    # request then waits out the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    server_version = "shop-local"
    sys_version = ""
    app: Callable[[HttpRequest], Reply]
    max_body: int

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):
        pass  # the apps log what matters

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = content_length(self.headers.get_all("Content-Length") or [])
        if length is None:
            self._bad_request()
            return
        oversized = length > self.max_body
        if oversized:
            body = b""
            self.close_connection = True
        elif self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        request = HttpRequest(
            method=self.command,
            path=unquote(parts.path),
            raw_path=parts.path,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            port=self.server.server_address[1],
            declared_length=length,
        )
        try:
            reply = self.app(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = Reply(
                500, [("Content-Type", "application/json")], b'{"message": "local error"}'
            )
        self.send_response(reply.status)
        for key, value in reply.headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        payload = b"" if self.command == "HEAD" else reply.body
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _bad_request(self) -> None:
        body = b'{"message": "Bad Request"}'
        self.close_connection = True
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str):
        # Any other method (TRACE, QUERY, ...) reaches the app too, so it gets the
        # gateway's answer for a method without a route, never http.server's HTML 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)
