"""A realistic catalogue on first start, created through the API itself.

Products go in through the gateway's `POST /v1/products` with the local API
key, so seeding uses only the contract (never the database code) and
exercises the same path an admin client would, throttling included: a 429
is waited out and retried, as a polite client would. A catalogue that
already has products is left alone.
"""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

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
    status, body = _call(
        f"{api_url}/v1/products?page_size=1", headers={"Cache-Control": "max-age=0"}
    )
    if status != 200:
        raise SeedError(f"GET /v1/products answered {status}: {body}")
    return int(body["total"])


def seed(api_url: str, api_key: str, *, products: list[dict] | None = None) -> int:
    """Create the catalogue unless products exist; return how many were created."""
    if product_count(api_url) > 0:
        return 0
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
    return created
