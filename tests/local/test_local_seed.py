"""Seeding finishes what an interrupted first start left, and leaves others' data alone.

The API here is a small in-memory stand-in for POST/GET /v1/products served
over HTTP, so the seeder's own logic (its marker, its 409 handling) is what
is tested, in well under a second.
"""

import json

import pytest

from local import seed
from local.httpd import Server
from local.responses import Reply

CATALOGUE = [{"sku": f"S-{i}", "name": f"p{i}"} for i in range(5)]


class Products:
    """POST creates a product (409 on a known SKU), GET counts them; every POST is logged."""

    def __init__(self, skus=()):
        self.skus, self.posts = list(skus), []

    def __call__(self, request) -> Reply:
        if request.method == "POST":
            sku = json.loads(request.body)["sku"]
            self.posts.append(sku)
            if sku in self.skus:
                return Reply(409, [("Content-Type", "application/json")], b'{"error": {}}')
            self.skus.append(sku)
            return Reply(201, [("Content-Type", "application/json")], b"{}")
        total = json.dumps({"total": len(self.skus), "items": []}).encode()
        return Reply(200, [("Content-Type", "application/json")], total)


@pytest.fixture
def api():
    servers = []

    def start(products: Products) -> str:
        server = Server(products, port=0)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def test_a_first_start_seeds_everything_and_marks_it_done(api, tmp_path):
    products, marker = Products(), tmp_path / "seeded"
    created = seed.seed(api(products), "key", products=CATALOGUE, marker=marker)
    assert created == 5 and products.skus == [p["sku"] for p in CATALOGUE]
    assert marker.read_text() == "done\n"


def test_an_interrupted_seeding_is_finished_on_the_next_start(api, tmp_path):
    # GIVEN a first start stopped after two of five products (its marker says started)
    products, marker = Products(["S-0", "S-1"]), tmp_path / "seeded"
    marker.write_text("started\n")
    # WHEN the stack starts again
    created = seed.seed(api(products), "key", products=CATALOGUE, marker=marker)
    # THEN the three missing products are created, the two present ones kept
    assert created == 3 and sorted(products.skus) == [p["sku"] for p in CATALOGUE]
    assert marker.read_text() == "done\n"


def test_a_done_seeding_posts_nothing(api, tmp_path):
    products, marker = Products(["S-0"]), tmp_path / "seeded"
    marker.write_text("done\n")
    assert seed.seed(api(products), "key", products=CATALOGUE, marker=marker) == 0
    assert products.posts == []


def test_a_catalogue_of_someone_elses_without_a_marker_is_left_alone(api, tmp_path):
    products = Products(["THEIRS-1"])
    assert seed.seed(api(products), "key", products=CATALOGUE, marker=tmp_path / "m") == 0
    assert products.posts == [] and not (tmp_path / "m").exists()
