"""The tier's record says when its drills ended, not when the pytest session did:
in `make test` other tiers run on after the drills, and docs/figures_drills.py
judges which drills belong to the tier's run from this end and its seconds."""

import drillkit


def test_the_tier_is_stamped_with_its_last_drill_and_the_machine_then(monkeypatch):
    start, stop = 1_780_000_000.0, 1_780_000_219.4  # 219.4 s of drills
    machine = {"cores": 2, "load_average_1m": 7.5}
    monkeypatch.setattr(
        drillkit,
        "TIER",
        {"span": [start, stop], "outcomes": {"test_a": {"passed": 2}}, "machine": machine},
    )
    tier = drillkit.tier_figures()
    assert tier["measured"] == drillkit.now(stop) != drillkit.now()
    assert tier["seconds"] == 219.4
    assert tier["machine"] is machine
    assert tier["passed"] == 2
