"""Fixtures of the release tests."""

import pytest

from support.releasestage import open_stage


@pytest.fixture
def stage():
    """A stage in moto after its first release (support/releasestage.py)."""
    with open_stage() as opened:
        yield opened
