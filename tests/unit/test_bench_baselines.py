"""What the baselines share answers the item route as ours does: the row, a 400 for an
id that is not one, a 404 for no such product, each as the framework's own error."""

from types import SimpleNamespace

import pytest

from bench.baselines import common


class Bad(Exception):
    """A framework's 400."""


class Missing(Exception):
    """A framework's 404."""


class Repo:
    def __init__(self, rows: dict):
        self.rows = rows

    def get(self, product_id: int):
        return self.rows.get(product_id)


def test_the_item_route_returns_the_row_and_raises_the_framework_s_400_and_404():
    row = SimpleNamespace(id=7)
    repo = Repo({7: row})
    assert common.product(repo, "7", bad=Bad, missing=Missing) is row
    for raw, message in (("abc", "id must be an integer"), ("0", "id is out of range")):
        with pytest.raises(Bad, match=message):
            common.product(repo, raw, bad=Bad, missing=Missing)
    with pytest.raises(Missing, match="product 8 does not exist"):
        common.product(repo, "8", bad=Bad, missing=Missing)
