"""The gateway cache and the admin's writes, with the cache on (prod's 300 s TTL).

A product's ETag changes with every write, stock included, so an order
makes every cached copy stale; an API key does not get past the cache. The
admin still updates: a 412 carries the current ETag to retry with. Buyers
see a cached copy for at most the stage's TTL.
"""

import json
from pathlib import Path

from localkit import API_KEY, send
from test_local_cache import Clock, gateway_with

from local import stage
from local.cache import ResponseCache

# The cache prod runs with: envs/prod.tfvars api.cache (enabled, ttl_seconds).
TTL = stage.load(Path(__file__).parents[2] / "envs" / "prod.tfvars", stage="prod").cache_ttl
JSON = ("Content-Type", "application/json")
ADMIN = ("x-api-key", API_KEY)


def product_body(stock: int, price: str = "9.50") -> bytes:
    fields = {"sku": "CACHE-1", "name": "Cached mug", "category": "kitchen"}
    return json.dumps({**fields, "price": price, "stock": stock}).encode()


def test_an_admin_updates_a_product_whose_cached_copy_is_stale(local_stack):
    assert TTL == 300  # what docs/architecture.md and the README promise for prod
    clock = Clock()
    gateway = gateway_with(local_stack, ResponseCache(TTL, clock=clock))
    created = send(gateway, "POST", "/v1/products", headers=[ADMIN, JSON], body=product_body(10))
    assert created.status == 201, created.body
    product = json.loads(created.body)["id"]
    path = f"/v1/products/{product}"

    # GIVEN a buyer's read cached the product, then an order took stock
    cached = send(gateway, "GET", path)
    assert cached.header("x-cache") == "miss" and cached.header("ETag") == created.header("ETag")
    order = {
        "customer_email": "cache@example.com",
        "items": [{"product_id": product, "quantity": 1}],
    }
    placed = send(gateway, "POST", "/v1/orders", headers=[JSON], body=json.dumps(order).encode())
    assert placed.status == 201, placed.body

    # WHEN the admin reads it with the API key, THEN the cache answers, stale
    stale = send(gateway, "GET", path, headers=[ADMIN])
    assert stale.header("x-cache") == "hit" and stale.header("ETag") == cached.header("ETag")
    assert json.loads(stale.body)["stock"] == 10

    # WHEN the admin updates with that ETag, THEN 412 names the current one (stock changed it)
    refused = send(
        gateway, "PUT", path, headers=[ADMIN, JSON, ("If-Match", stale.header("ETag"))],
        body=product_body(50),
    )  # fmt: skip
    assert refused.status == 412
    current = refused.header("ETag")
    assert current and current != stale.header("ETag")
    # ... and the retry with it succeeds, answering the new ETag
    updated = send(
        gateway, "PUT", path, headers=[ADMIN, JSON, ("If-Match", current)], body=product_body(50)
    )
    assert updated.status == 200 and json.loads(updated.body)["stock"] == 50
    assert updated.header("ETag") not in (current, stale.header("ETag"))

    # THEN buyers get the cached copy until the TTL runs out, and never after
    clock.now += TTL - 1
    assert send(gateway, "GET", path).header("ETag") == cached.header("ETag")
    clock.now += 1
    fresh = send(gateway, "GET", path)
    assert fresh.header("x-cache") == "miss" and fresh.header("ETag") == updated.header("ETag")
