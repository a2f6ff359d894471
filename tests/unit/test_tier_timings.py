"""The plugin that times whole test tiers for the docs (tests/support/timings.py)."""

from pathlib import Path
from types import SimpleNamespace

from support import timings


def session_of(*paths: str):
    return SimpleNamespace(items=[SimpleNamespace(path=timings.TESTS / p) for p in paths])


def test_a_tier_counts_only_when_every_one_of_its_files_ran():
    every = [f"review/{p.name}" for p in (timings.TESTS / "review").glob("test_*.py")]
    assert len(every) > 1

    assert timings._whole_tiers(session_of(*every)) == {"review"}
    assert timings._whole_tiers(session_of(*every[:-1])) == set()


def test_a_path_outside_tests_has_no_tier():
    assert timings.tier_of(timings.TESTS / "infra" / "test_static.py") == "infra"
    assert timings.tier_of(Path("/elsewhere/test_x.py")) is None
