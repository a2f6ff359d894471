"""The AWS Parameters and Secrets Lambda Extension, emulated over moto.

In Lambda the extension is a layer: a process beside the function that
answers HTTP on localhost:2773 and calls SSM and Secrets Manager itself.
Here one `ExtensionServer` on 127.0.0.1 plays it for every worker of the
local stack (and for the tests and the benchmark), on top of the moto
clients it is given. It follows the extension's documented interface:

- `GET /systemsmanager/parameters/get?name=...` answers GetParameter's
  response as JSON, `GET /secretsmanager/get?secretId=...` GetSecretValue's
  (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html,
  https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html);
- a request must carry `X-Aws-Parameters-Secrets-Token` equal to the
  function's `AWS_SESSION_TOKEN`, or it is refused;
- values are cached per name for `SSM_PARAMETER_STORE_TTL` and
  `SECRETS_MANAGER_TTL` seconds (300 by default; 0 switches the cache off);
  `refreshNow=true` skips the cache for a secret, as documented for the
  Secrets Manager agent and AWS's newer extension releases;
- an AWS error is relayed with a 400 and its message.

What only a real run can confirm: the exact bytes of error bodies, the
status of a refused token (401 here), and `refreshNow` on the layer
version the stage pins (terraform/modules/function/extension_layers.tf).
"""

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
DEFAULT_TTL = 300.0


def _iso(value) -> str | None:
    """botocore's datetimes as the extension writes them (RFC 3339, UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def parameter_document(response: dict) -> dict:
    """GetParameter's response in the extension's JSON, key for key."""
    p = response["Parameter"]
    return {
        "Parameter": {
            "ARN": p.get("ARN"),
            "DataType": p.get("DataType", "text"),
            "LastModifiedDate": _iso(p.get("LastModifiedDate")),
            "Name": p["Name"],
            "Selector": p.get("Selector"),
            "SourceResult": p.get("SourceResult"),
            "Type": p["Type"],
            "Value": p["Value"],
            "Version": p.get("Version"),
        },
        "ResultMetadata": {},
    }


def secret_document(response: dict) -> dict:
    """GetSecretValue's response in the extension's JSON, key for key."""
    binary = response.get("SecretBinary")
    if isinstance(binary, bytes):
        import base64

        binary = base64.b64encode(binary).decode()
    return {
        "ARN": response["ARN"],
        "CreatedDate": _iso(response.get("CreatedDate")),
        "Name": response["Name"],
        "SecretBinary": binary,
        "SecretString": response.get("SecretString"),
        "VersionId": response.get("VersionId"),
        "VersionStages": response.get("VersionStages", []),
        "ResultMetadata": {},
    }


class ExtensionServer:
    """An extension on 127.0.0.1:`port` (0 picks a free one) reading through `ssm` and `secrets`."""

    def __init__(
        self,
        *,
        ssm,
        secrets,
        token: str,
        port: int = 0,
        parameter_ttl: float = DEFAULT_TTL,
        secret_ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ssm, self.secrets, self.token = ssm, secrets, token
        self.ttl = {"parameter": parameter_ttl, "secret": secret_ttl}
        self.clock = clock
        self.calls = {"parameter": 0, "secret": 0}  # reads that reached moto
        self.requests = 0
        self._cache: dict[tuple[str, str], tuple[float, bytes]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def env(self) -> dict[str, str]:
        """The variables a function needs to reach this extension."""
        return {
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.port),
            "AWS_SESSION_TOKEN": self.token,
        }

    def start(self) -> "ExtensionServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="params-secrets-extension", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ExtensionServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def clear(self) -> None:
        """Empty the cache, as a new execution environment's extension starts empty."""
        with self._lock:
            self._cache.clear()

    def answer(self, path: str, token: str | None) -> tuple[int, bytes]:
        """Return (status, body) for one GET; the HTTP handler only frames it."""
        self.requests += 1
        if token != self.token:
            return 401, b'{"message":"missing or invalid X-Aws-Parameters-Secrets-Token"}'
        url = urlsplit(path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/systemsmanager/parameters/get" and query.get("name"):
            kind, key = "parameter", query["name"]
        elif url.path == "/secretsmanager/get" and query.get("secretId"):
            kind, key = "secret", query["secretId"]
        else:
            return 400, b'{"message":"unknown path or missing name/secretId"}'
        fresh = query.get("refreshNow", "").lower() in ("true", "1")
        now = self.clock()
        with self._lock:
            cached = self._cache.get((kind, key))
        if cached and not fresh and now - cached[0] < self.ttl[kind]:
            return 200, cached[1]
        try:
            body = self._read(kind, key, query)
        except Exception as exc:  # botocore's ClientError: relay AWS's message
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            return 400, json.dumps({"message": f"{code}: {exc}"}).encode()
        if self.ttl[kind] > 0:
            with self._lock:
                self._cache[(kind, key)] = (now, body)
        return 200, body

    def _read(self, kind: str, key: str, query: dict) -> bytes:
        self.calls[kind] += 1
        if kind == "parameter":
            decrypt = query.get("withDecryption", "false").lower() == "true"
            response = self.ssm.get_parameter(Name=key, WithDecryption=decrypt)
            document = parameter_document(response)
        else:
            extra = {}
            if query.get("versionId"):
                extra["VersionId"] = query["versionId"]
            if query.get("versionStage"):
                extra["VersionStage"] = query["versionStage"]
            document = secret_document(self.secrets.get_secret_value(SecretId=key, **extra))
        return json.dumps(document, separators=(",", ":")).encode()


def _handler_for(server: ExtensionServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, body = server.answer(self.path, self.headers.get(TOKEN_HEADER))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler
