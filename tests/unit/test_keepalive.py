from shop import api as keepalive
from support.events import load_event, load_json


def test_scheduled_events_and_warmer_pings_are_keepalives():
    assert keepalive.is_keepalive(load_json("scheduled_event"))
    assert keepalive.is_keepalive(load_json("warmer_ping"))
    assert keepalive.is_keepalive({"warmer": {"hold_ms": 10}})


def test_api_events_and_other_events_are_not():
    assert not keepalive.is_keepalive(load_event("health"))
    assert not keepalive.is_keepalive({"source": "aws.events", "detail-type": "Object Created"})
    assert not keepalive.is_keepalive({"warmer": True})
    assert not keepalive.is_keepalive(None)


def test_answer_holds_within_bounds_and_names_the_container():
    slept = []
    answer = keepalive.answer({"warmer": {"hold_ms": 100}}, cold=True, sleep=slept.append)
    assert slept == [0.1]
    assert answer["container_id"] == keepalive.CONTAINER_ID and answer["cold_start"] is True
    keepalive.answer({"warmer": {"hold_ms": 10**9}}, cold=False, sleep=slept.append)
    keepalive.answer({"warmer": {"hold_ms": "100"}}, cold=False, sleep=slept.append)
    assert slept == [0.1, 1.0]
