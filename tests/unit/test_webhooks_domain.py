"""Webhooks and Open311, the pure parts: events from bus messages, matching, signatures, backoff;
Open311 attributes, coordinates and records."""
import hashlib
import hmac
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from dashboard.domain import open311, webhooks as w


def test_bus_messages_become_events_with_stable_keys():
    changed = w.event_from_bus("incident.changed", {"id": 7, "version": 3, "action": "dispatch", "department": "CG"})
    assert (changed.name, changed.key, changed.subject) == ("incident.dispatch", "incident:7:v3", {"department": "CG"})
    created = w.event_from_bus("event.new", {"kind": "incident", "ref": 7, "at": "x"})
    assert (created.name, created.key) == ("incident.created", "incident:7:created")
    assert w.event_from_bus("event.new", {"kind": "alert", "ref": "cap-1", "at": "t"}).name == "alert.issued"
    assert w.event_from_bus("incident.upsert", {"id": 7}) is None and w.event_from_bus("figures", {}) is None


def test_matching_by_event_and_filters():
    subject = {"department": "CG", "category": "0101", "district": "D1"}
    assert w.matches(["incident.dispatch"], {}, "incident.dispatch", subject)
    assert w.matches(["*"], {"department": ["CG", "JT"]}, "incident.close", subject)
    assert not w.matches(["incident.close"], {}, "incident.dispatch", subject)
    assert not w.matches(["*"], {"department": ["JT"]}, "incident.dispatch", subject)
    assert not w.matches(["*"], {"district": ["D2"]}, "incident.dispatch", subject)
    assert not w.matches(["*"], {"department": ["CG"]}, "incident.created", {"department": None})


def test_registration_is_checked():
    assert w.check_registration("https://x.example/h", "incident.dispatch, *", {"department": "CG"}) == \
        (["*", "incident.dispatch"], {"department": ["CG"]})
    for url, events, filters, text in (("ftp://x", ["*"], None, "http(s)"), ("http://x", [], None, "non-empty"),
                                       ("http://x", ["nope"], None, "unknown events"),
                                       ("http://x", ["*"], {"colour": ["red"]}, "unknown filter"),
                                       ("http://x", ["*"], {"department": [1]}, "list of codes")):
        with pytest.raises(ValueError, match=text.replace("(", r"\(").replace(")", r"\)")):
            w.check_registration(url, events, filters)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = '{"event":"incident.dispatch"}'.encode()
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert w.signature("s3cret", 1700000000, body) == f"sha256={expected}"
    assert w.verify("s3cret", "1700000000", body, f"sha256={expected}", now=1700000100)
    assert not w.verify("s3cret", "1700000000", body, f"sha256={expected}", now=1700000000 + 301)   # replayed late
    assert not w.verify("s3cret", "1700000001", body, f"sha256={expected}", now=1700000000)         # other time
    assert not w.verify("s3cret", "soon", body, f"sha256={expected}", now=1700000000)


def test_backoff_doubles_with_jitter_and_is_capped():
    low = [w.retry_delay(n, base=10, cap=3600, rand=lambda: 0.0) for n in range(1, 12)]
    high = [w.retry_delay(n, base=10, cap=3600, rand=lambda: 1.0) for n in range(1, 12)]
    assert low[:4] == [7.5, 15.0, 30.0, 60.0] and high[:4] == [12.5, 25.0, 50.0, 100.0]
    assert max(high) == 3600 * 1.25 and low[-1] == 3600 * 0.75
    assert not w.gives_up(w.MAX_ATTEMPTS - 1) and w.gives_up(w.MAX_ATTEMPTS)


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0, max_value=1))
def test_backoff_stays_within_its_bounds(attempt, r):
    delay = w.retry_delay(attempt, base=2, cap=100, rand=lambda: r)
    assert 0.75 * min(100, 2 * 2 ** (attempt - 1)) <= delay <= 1.25 * min(100, 2 * 2 ** (attempt - 1))


def test_open311_attributes():
    assert open311.check_attributes({"danger": ["yes"], "location_detail": [" 3号楼 "]}) == \
        {"danger": "yes", "location_detail": "3号楼"}
    for given_, text in (({"danger": ["maybe"]}, "one of"), ({"danger": ["yes", "no"]}, "one value"),
                         ({"WHISHETN": ["123"]}, "not an attribute")):
        with pytest.raises(open311.RequestRefused, match=text) as refused:
            open311.check_attributes(given_)
        assert refused.value.code == 400


@given(st.text(max_size=12), st.text(max_size=12))
def test_open311_coordinates_either_parse_or_are_refused_with_400(lat, lon):
    try:
        y, x = open311.coordinates(lat, lon)
    except open311.RequestRefused as refused:
        assert refused.code == 400
    else:
        assert (y is None and x is None) or (-90 <= y <= 90 and -180 <= x <= 180)


def test_a_request_record_never_carries_the_reporter():
    row = {"code": "20261123000001", "category": "0101", "status": "merged", "description": "d",
           "reported_at": datetime(2026, 11, 23, 1, tzinfo=timezone.utc), "updated_at": None, "deadline": None,
           "lat": 32.0, "lon": 118.7, "address": "a", "details": {"media_url": "http://m"},
           "reporter_name": "张三", "reporter_phone": "13812345678", "priority": 2, "district": "D1", "department": None}
    record = open311.request_record(row, "en", None, extensions=True)
    assert record["status"] == "closed" and record["media_url"] == "http://m"
    assert "张三" not in str(record) and "13812345678" not in str(record)
