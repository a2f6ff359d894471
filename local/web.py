"""The storefront as CloudFront would serve it: `web/` plus two generated files.

Serves the files under `web/` read-only, with CloudFront's rules: `/` is
the default root object `index.html`, every other path is an exact S3 key
(so `/docs/` is not `/docs/index.html`), and a missing key is S3's 403
(the bucket is private, so S3 will not even say 404). Nothing outside
`web/` is reachable. It generates, without writing into `web/`:

- `/config.json`: `{"apiBaseUrl": ..., "stage": ...}` for the storefront;
- `/openapi.json`: the contract as JSON for the API docs page, with the
  local stack's API as its server.

Every answer carries the security headers of CloudFront's response
headers policy (terraform/modules/static_site), so a page that breaks the
Content-Security-Policy breaks locally too; HSTS is left out (plain HTTP).
Answers carry `Cache-Control: no-cache` so an edited file shows on reload.
"""

import json
import mimetypes
from pathlib import Path

import yaml

from local.events import HttpRequest
from local.responses import Reply

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/manifest+json", ".webmanifest")


def security_headers(api_url: str) -> list[tuple[str, str]]:
    """Return CloudFront's security headers for a site that calls `api_url`."""
    api_origin = "/".join(api_url.split("/")[:3])
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {api_origin}; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'"
    )
    return [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-XSS-Protection", "1; mode=block"),
    ]


def openapi_document(contract_path: Path, api_url: str) -> dict:
    """Return the contract as JSON-ready data, as API consumers see it."""
    document = yaml.safe_load(Path(contract_path).read_text(encoding="utf-8"))
    document.pop("x-shop-integrations", None)
    document["servers"] = [{"url": api_url, "description": "The local stack (make dev)"}]
    return document


class Site:
    def __init__(self, root: Path, *, api_url: str, stage: str, contract_path: Path):
        self.root = Path(root).resolve()
        self.api_url, self.stage, self.contract_path = api_url, stage, contract_path

    def __call__(self, request: HttpRequest) -> Reply:
        reply = self._answer(request)
        reply.headers += security_headers(self.api_url)
        return reply

    def _answer(self, request: HttpRequest) -> Reply:
        if request.method not in ("GET", "HEAD"):
            return _text(405, "method not allowed", [("Allow", "GET, HEAD")])
        if request.path == "/config.json":
            return _json({"apiBaseUrl": self.api_url, "stage": self.stage})
        if request.path == "/openapi.json":
            return _json(openapi_document(self.contract_path, self.api_url))
        key = "index.html" if request.path == "/" else request.path.lstrip("/")
        target = (self.root / key).resolve()
        inside = self.root in target.parents
        if not inside or not target.is_file():
            return _text(403, f"AccessDenied: no object {key!r} in the site bucket")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/json", "text/javascript"):
            kind += "; charset=utf-8"
        return Reply(
            200, [("Content-Type", kind), ("Cache-Control", "no-cache")], target.read_bytes()
        )


def _json(body: dict) -> Reply:
    data = json.dumps(body, indent=1).encode()
    return Reply(200, [("Content-Type", "application/json"), ("Cache-Control", "no-cache")], data)


def _text(status: int, text: str, headers: list | None = None) -> Reply:
    return Reply(
        status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])], text.encode()
    )
