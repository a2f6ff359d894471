"""prod applied against moto, read back, and destroyed the way an operator must.

What prod adds over qa: a NAT per zone, a multi-AZ database with deletion
protection, X-Ray, a bigger cache. Its destroy must be refused
for the deletion protection until an operator lifts it.
Provisioned concurrency is the one part moto lacks (off in the rehearsal,
terraform/rehearsal/modules/function/; tests/infra plans it).
"""

import pytest

from .conftest import facts

REHEARSAL = "prod"

pytestmark = [pytest.mark.rehearsal, pytest.mark.infra, pytest.mark.timeout(1800)]


def test_prod_is_what_its_tfvars_say(rehearsal):
    _, report = rehearsal
    known = facts(report)
    assert known["NAT gateways"] == 3
    assert known["database multi-AZ"] is True
    assert known["database deletion protection"] is True
    assert known["cache cluster"] is True and known["cache cluster size"] == "1.6"
    assert len(known["methods with caching on"]) == 2
    # moto does not keep it: checked in the rehearsal's own plan.
    assert known["planned Performance Insights"] is True


def test_destroy_is_refused_until_the_deletion_protection_is_lifted(rehearsal):
    _, report = rehearsal
    refused = {c["fact"] for c in report["checks"] if c["fact"].startswith("destroy refused")}
    # The bucket's refusal is AWS's; moto 5.2.5 deletes a bucket of old versions.
    assert "destroy refused for deletion protection" in refused
    assert refused <= {
        "destroy refused for deletion protection",
        "destroy refused for site bucket not empty",
    }
    known = facts(report)
    assert known["final snapshots, one per destroy"] == 1
    assert known["databases left"] == [] and known["REST APIs left"] == []
