"""A realistic catalogue on first start, created through the API itself.

Products go in through the gateway's `POST /v1/products` with the local API
key, so seeding uses only the contract (never the database code) and
exercises the same path an admin client would, throttling included: a 429
is waited out and retried, as a polite client would.

A marker file in the state folder says how far seeding got: `started` when
the first product goes in, `done` after the last. A start stopped halfway
(Ctrl-C during the first `make dev`) leaves `started`, and the next start
goes through the whole catalogue again, creating what is missing (a 409
means the SKU is already there). Without a marker, a catalogue that already
has products is someone's own data and is left alone.
"""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from local.cache import FRESH_READ
from local.httpd import urlopen

CATALOGUE = Path(__file__).with_name("catalogue.json")


class SeedError(RuntimeError):
    """The API refused a product for a reason other than throttling or a duplicate."""


def _call(url: str, *, method: str = "GET", body=None, headers=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def product_count(api_url: str) -> int:
    """Return how many products the API lists (bypassing the gateway cache)."""
    status, body = _call(f"{api_url}/v1/products?page_size=1", headers=dict(FRESH_READ))
    if status != 200:
        raise SeedError(f"GET /v1/products answered {status}: {body}")
    return int(body["total"])


def seed(
    api_url: str, api_key: str, *, products: list[dict] | None = None, marker: Path | None = None
) -> int:
    """Create the catalogue, or finish an interrupted seeding; return how many were created."""
    state = marker.read_text().strip() if marker is not None and marker.exists() else None
    if state == "done" or (state is None and product_count(api_url) > 0):
        return 0
    if marker is not None:
        marker.write_text("started\n")
    products = products or json.loads(CATALOGUE.read_text(encoding="utf-8"))
    headers = {"Content-Type": "application/json", "x-api-key": api_key}
    created = 0
    for product in products:
        for _attempt in range(50):
            status, body = _call(
                f"{api_url}/v1/products", method="POST", body=product, headers=headers
            )
            if status != 429:
                break
            time.sleep(0.2)
        if status == 201:
            created += 1
        elif status != 409:  # 409: the SKU exists (an interrupted earlier seeding)
            raise SeedError(f"POST /v1/products {product['sku']} answered {status}: {body}")
    if marker is not None:
        marker.write_text("done\n")
    return created
