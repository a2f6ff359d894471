"""The committed benchmark results keep what the reports render, not raw samples,
and the concurrency curve's order check catches a lost or duplicated order."""

import json

from bench import measure, tables


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_committed_result_carries_raw_samples():
    files = sorted(measure.RESULTS.glob("*.json"))
    assert files
    for path in files:
        assert not _keys(json.loads(path.read_text())) & measure.RAW_KEYS, path.name


def test_raw_samples_are_split_off_at_any_depth():
    data = {
        "machine": {"date": "d"},
        "variants": {"ours": {"median": 1.0, "samples": [1, 2]}, "other": {"median": 2.0}},
        "latency_samples_ms": [3.0],
    }
    kept, raw = measure.split_raw(data)
    assert kept == {
        "machine": {"date": "d"},
        "variants": {"ours": {"median": 1.0}, "other": {"median": 2.0}},
    }
    assert raw == {"variants": {"ours": {"samples": [1, 2]}}, "latency_samples_ms": [3.0]}


def _checked(**changes) -> dict:
    good = {
        "answered_201": 10,
        "answered_503": 2,
        "stored": 10,
        "lost": 0,
        "duplicated": 0,
        "stored_for_a_503": 0,
        "stored_never_answered_201": 0,
        "stock_taken": 10,
        "stock_taken_by_stored_orders": 10,
    }
    return {**good, **changes}


def test_the_order_check_passes_only_when_every_201_is_stored_once_and_stock_matches():
    assert tables._orders_ok(_checked())
    assert not tables._orders_ok(_checked(lost=1))
    assert not tables._orders_ok(_checked(duplicated=1))
    assert not tables._orders_ok(_checked(stored_for_a_503=1))
    assert not tables._orders_ok(_checked(stock_taken=11))


def test_raw_samples_in_a_list_of_steps_are_split_off_too():
    kept, raw = measure.split_raw({"steps": [{"n": 1, "samples": [[0.1, 3]]}, {"n": 2}]})
    assert kept == {"steps": [{"n": 1}, {"n": 2}]}
    assert raw == {"steps": [{"samples": [[0.1, 3]]}, None]}
