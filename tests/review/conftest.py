"""Real plans of every stage for the reviewer's tests, planned once per session.

The infra tier's harness (tests/infra/conftest.py) does the planning: a
scratch copy of the root with the CI overrides, a tiny deterministic build,
plans in a small thread pool. Besides the three first plans (empty state,
body unknown), qa and prod are planned a second time with the api function's
ARN pinned, as every plan after the first apply sees it, so the REST API's
rendered body is in the plan.

Tests get deep copies: each one breaks its own copy.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from infra.conftest import STAGES, Plans, Scenario, Terraform, checkout, write_build

from deploy.terraform import write_cli_config

PINNED = {stage: Scenario(stage, pin_api_function=True) for stage in ("qa", "prod")}


@pytest.fixture(scope="session")
def planner(tmp_path_factory):
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH; the review tests plan every stage with it")
    scratch = tmp_path_factory.mktemp("review-plans")
    cli_config = write_cli_config(scratch)
    terraform = Terraform(
        checkout(scratch, "checkout"), cli_config, write_build(scratch / "package"), scratch
    )
    terraform.init()
    runner = Plans(terraform, cli_config, scratch, list(PINNED.values()))
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def _first_plans(planner) -> dict[str, dict]:
    return {stage: planner.stage(stage).data for stage in STAGES}


@pytest.fixture(scope="session")
def _pinned_plans(planner) -> dict[str, dict]:
    return {stage: planner[scenario].data for stage, scenario in PINNED.items()}


@pytest.fixture
def first_plan(_first_plans):
    """A fresh copy of a stage's first plan (empty state, body unknown)."""
    return lambda stage: copy.deepcopy(_first_plans[stage])


@pytest.fixture
def pinned_plan(_pinned_plans):
    """A fresh copy of qa's or prod's plan with the REST API body known."""
    return lambda stage: copy.deepcopy(_pinned_plans[stage])


def pytest_collection_modifyitems(items):
    """These tests plan with Terraform, like the infra tier: `-m "not infra"` skips both."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.infra)
