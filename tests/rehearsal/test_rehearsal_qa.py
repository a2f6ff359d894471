"""qa applied, read back and destroyed twice in the same moto account.

qa is the stage whose destroy leaves something behind: a final snapshot
(skip_final_snapshot = false) and a versioned site bucket that is not
force-destroyed. The second cycle proves a stage can come back and go again:
a fixed final snapshot name would make the second destroy fail.
"""

import pytest

from .conftest import facts, steps

REHEARSAL = "qa"

pytestmark = [pytest.mark.rehearsal, pytest.mark.infra, pytest.mark.timeout(1800)]


def test_apply_destroy_apply_destroy(rehearsal):
    out, report = rehearsal
    cycle = [s for s in steps(out) if s.startswith(("terraform apply", "destroy"))]
    assert cycle == [
        "terraform apply of qa against moto",
        "destroy qa",
        "terraform apply of qa against moto (cycle 2: after a destroy)",
        "destroy qa (cycle 2: after a destroy)",
    ]
    for step in ("apply", "second_plan", "destroy_plan", "apply_2", "destroy_plan_2"):
        assert report["seconds"][step] > 0


def test_each_destroy_keeps_its_own_final_snapshot(rehearsal):
    _, report = rehearsal
    # The fact is recorded after each destroy: 1, then 2 distinct names.
    counts = [c["value"] for c in report["checks"] if c["fact"].startswith("final snapshots")]
    assert counts == [1, 2]


def test_nothing_but_the_site_bucket_may_refuse_qa_s_destroy(rehearsal):
    """qa has no deletion protection; AWS (not moto 5.2.5) refuses to delete its
    versioned site bucket until emptied, which the rehearsal then does."""
    _, report = rehearsal
    refused = {c["fact"] for c in report["checks"] if c["fact"].startswith("destroy refused")}
    assert refused <= {"destroy refused for site bucket not empty"}


def test_the_api_cache_is_on_for_exactly_the_contract_s_cached_gets(rehearsal):
    """Per-method settings under AWS's escaped keys (~1v1~1products/GET):
    moto stores them as AWS does, so the readback sees TTL and encryption."""
    _, report = rehearsal
    known = facts(report)
    assert known["cache cluster"] is True
    assert known["methods with caching on"] == ["~1v1~1products/GET", "~1v1~1products~1{id}/GET"]
    assert known["~1v1~1products~1{id}/GET cache TTL, encrypted"] == [60, True]
