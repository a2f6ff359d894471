"""`python -m deploy rehearse --env bootstrap` end to end against moto.

The account's root applies with local state, moves its state into the bucket
it created (a real S3 backend on moto), plans again with no change, reads
back, and is destroyed. One run is shared by the tests below.
"""

from pathlib import Path

import pytest

from .conftest import facts, steps

ROOT = Path(__file__).resolve().parents[2]
REHEARSAL = "bootstrap"

pytestmark = [pytest.mark.rehearsal, pytest.mark.infra, pytest.mark.timeout(1800)]


def test_first_run_applies_with_local_state_then_moves_it_into_its_bucket(rehearsal):
    out, report = rehearsal
    known, ran = facts(report), steps(out)
    assert ran[0].startswith("terraform init of terraform/bootstrap (local state")
    assert ran[3] == "move the state into the bucket (bootstrap/terraform.tfstate)"
    assert ran[4].startswith("second plan, from the state in the bucket")
    assert known["bootstrap state in the bucket"] == ["bootstrap/terraform.tfstate"]


def test_the_account_holds_what_the_stages_and_ci_rely_on(rehearsal):
    _, report = rehearsal
    known = facts(report)
    assert known["state bucket versioning"] == "Enabled"
    assert known["state bucket public access blocked"] == [True] * 4
    role = known["API Gateway account logging role"]
    assert role.endswith(":role/shop-apigateway-logs")
    assert known["make deploy's preflight"] == role
    assert known["CI roles' GitHub subjects"]["qa"] == "repo:example-org/shop:environment:qa"
    assert known["shop-ci-apply-prod may not change the account setting"] == "Deny"


def test_destroy_leaves_nothing_and_deploy_is_sent_back_to_bootstrap(rehearsal):
    _, report = rehearsal
    known = facts(report)
    assert known["state bucket left"] is False
    assert known["roles left"] == []
    assert known["make deploy's preflight sends to make bootstrap"] is True
