"""Config and secrets through the AWS Parameters and Secrets Lambda Extension.

The extension is an AWS-published layer: a process beside the function that
answers HTTP on localhost (`PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`, 2773 by
default), calls SSM and Secrets Manager with the function's role and keeps
its own cache (`SSM_PARAMETER_STORE_TTL`, `SECRETS_MANAGER_TTL`). Reading
through it instead of boto3 keeps botocore (its import and first client,
~110 ms) off the cold path of every read request.

    GET /systemsmanager/parameters/get?name=<name>   -> GetParameter's JSON
    GET /secretsmanager/get?secretId=<id>            -> GetSecretValue's JSON
    header X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN

https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html
https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html

The client speaks HTTP/1.1 over a plain socket on purpose: `http.client`
and `urllib` pull in the `email` package, a cost paid on every cold start
for one GET to 127.0.0.1. The extension answers only during an invocation,
never during init (AWS's rule), so nothing here may run at import.
"""

import json
import socket
from collections.abc import Mapping
from urllib.parse import quote

from shop.errors import ConfigError

DEFAULT_PORT = 2773
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
MAX_RESPONSE_BYTES = 1 << 20


class ExtensionError(ConfigError):
    """The extension did not answer, or answered with something other than a 200."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.http_status = status


class ExtensionClient:
    """Reads parameters and secrets from the extension on 127.0.0.1:`port`."""

    def __init__(self, *, port: int = DEFAULT_PORT, token: str = "", timeout: float = 3.0):
        self.port = port
        self._token = token
        self._timeout = timeout

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ExtensionClient":
        """Return a client for the port and session token Lambda gives the function."""
        port = env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT") or str(DEFAULT_PORT)
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(
                f"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT must be a port, not {port!r}"
            )
        timeout = float(env.get("SHOP_EXTENSION_TIMEOUT_SECONDS", "3"))
        return cls(port=int(port), token=env.get("AWS_SESSION_TOKEN", ""), timeout=timeout)

    def parameter(self, name: str) -> str:
        """Return the value of SSM parameter `name` (the extension may serve it from its cache)."""
        document = self._get(f"/systemsmanager/parameters/get?name={quote(name, safe='')}")
        try:
            return document["Parameter"]["Value"]
        except (KeyError, TypeError) as exc:
            raise ExtensionError(f"parameter {name}: no Parameter.Value in the answer") from exc

    def secret(self, secret_id: str, *, fresh: bool = False) -> str:
        """Return the SecretString of `secret_id`; `fresh` asks the extension to skip its cache."""
        path = f"/secretsmanager/get?secretId={quote(secret_id, safe='')}"
        if fresh:
            path += "&refreshNow=true"
        document = self._get(path)
        value = document.get("SecretString") if isinstance(document, dict) else None
        if not isinstance(value, str):
            raise ExtensionError(f"secret {secret_id}: no SecretString in the answer")
        return value

    def _get(self, path: str) -> dict:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: localhost:{self.port}\r\n"
            f"{TOKEN_HEADER}: {self._token}\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            with socket.create_connection(("127.0.0.1", self.port), self._timeout) as sock:
                sock.sendall(request)
                raw = _read_all(sock)
        except OSError as exc:
            raise ExtensionError(
                f"the Parameters and Secrets extension on port {self.port} did not answer "
                f"({type(exc).__name__}); is its layer attached to the function?"
            ) from exc
        status, body = _parse(raw)
        if status != 200:
            # The extension relays the AWS error (e.g. ParameterNotFound) in the body.
            reason = body[:200].decode("utf-8", "replace").strip()
            raise ExtensionError(
                f"the Parameters and Secrets extension answered {status} for {path.split('?')[0]}: "
                f"{reason}",
                status=status,
            )
        try:
            return json.loads(body)
        except ValueError as exc:
            raise ExtensionError("the Parameters and Secrets extension sent invalid JSON") from exc


def _read_all(sock: socket.socket) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise OSError("answer larger than 1 MiB")


def _parse(raw: bytes) -> tuple[int, bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2) if lines and sep else []
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ExtensionError("the Parameters and Secrets extension sent no HTTP answer")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        headers[key.strip().lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = _unchunk(body)
    elif b"content-length" in headers:
        body = body[: int(headers[b"content-length"])]
    return int(parts[1]), body


def _unchunk(body: bytes) -> bytes:
    out = []
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        body = rest[size + 2 :]
    return b"".join(out)
