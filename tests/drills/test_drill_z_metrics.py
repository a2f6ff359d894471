"""The metrics the drills made the functions write, as CloudWatch would extract them.

Runs after the other drills (file order): every line of every drill stack's
log that carries `_aws` was validated against the Embedded Metric Format
specification when its stack stopped (support.emf); here every metric the
functions promise (shop.metrics.METRICS) must have appeared, with the unit its
values are in (support.emf.EXPECTED_UNITS).
"""

import drillkit
import pytest

from shop.metrics import METRICS
from support import emf

pytestmark = [pytest.mark.drills]


def test_every_metric_appeared_in_the_drills_with_its_unit():
    if not drillkit.EMF_SEEN:
        pytest.skip("run with the other drills (make drills): it reads their log lines")
    missing = sorted(set(METRICS) - set(drillkit.EMF_SEEN))
    assert missing == [], f"never written during the drills: {missing}"
    assert {name: units for name, units in drillkit.EMF_SEEN.items()} == {
        name: {unit} for name, unit in emf.EXPECTED_UNITS.items()
    }
    drillkit.record("emf_metrics", {n: sorted(u)[0] for n, u in sorted(drillkit.EMF_SEEN.items())})
