"""Open311 GeoReport v2 parsing: the spec's examples (JSON and XML), our city's shape, bad items."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import open311
from connectors.base import ConnectorError, ParseError
from dashboard.domain.events import CASE_REPORT

FIX = Path(__file__).parent.parent / "fixtures" / "open311"


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.mark.parametrize("name", ["spec_requests.json", "spec_requests.xml"])
def test_spec_example_json_and_xml_give_the_same_events(name):
    events = open311.parse(load(name))
    assert not events.rejects
    assert [e.source_id for e in events] == ["638344", "638349"]   # numeric ids become text
    first = events[0]
    assert first.source == "open311" and first.kind == CASE_REPORT
    assert first.payload["service_code"] == "006"                   # leading zeros kept
    assert first.payload["status"] == "closed"
    assert first.payload["status_notes"] == "Duplicate request."
    assert first.payload["description"] is None                     # null / empty element → None
    assert first.payload["reporter_name"] is None and first.payload["reporter_phone"] is None
    assert (first.lat, first.lon) == (37.762221815, -122.4651145)
    assert first.observed_at == datetime(2010, 4, 14, 14, 37, 38, tzinfo=timezone.utc)


def test_json_and_xml_payloads_are_identical():
    as_json = open311.parse(load("spec_requests.json"))
    as_xml = open311.parse(load("spec_requests.xml"))
    assert [e.to_json() for e in as_json] == [e.to_json() for e in as_xml]


def test_lanhai_requests_with_extensions_and_extended_status():
    events = {e.source_id: e for e in open311.parse(load("lanhai_requests.json"))}
    first = events["LH-20250611-0001"]
    assert first.payload["service_code"] == "0503"
    assert first.payload["reporter_name"] == "王小明" and first.payload["reporter_phone"] == "13800138000"
    assert first.payload["address"].startswith("澜海市")
    assert first.observed_at == datetime(2025, 6, 11, 0, 15, 2, tzinfo=timezone.utc)
    second = events["LH-20250611-0002"]
    assert second.payload["status"] == "open"                        # in_progress → open
    assert (second.lat, second.lon) == (32.0312, 118.8105)           # numeric strings → numbers
    assert second.updated_at == datetime(2025, 6, 11, 1, 2, tzinfo=timezone.utc)
    assert events["LH-20250611-0003"].payload["status"] == "closed"  # Resolved → closed


def test_bad_items_are_rejected_one_by_one_and_the_rest_kept():
    parsed = open311.parse(load("mixed_bad_items.json"))
    assert [e.source_id for e in parsed] == ["ok-1", "ok-2"]
    assert parsed[1].payload["service_code"] == "502"   # a numeric code is kept as its text
    reasons = [r.reason for r in parsed.rejects]
    assert reasons == [
        "requests[1].lat: not a number: 'north'",
        "requests[2].requested_datetime: not an ISO 8601 date-time: 'yesterday'",
        "requests[3].service_request_id: missing",
        "requests[4]: expected an object, got str",
        "requests[5].lat: latitude 132.05 out of range",
        "requests[6].long: lat and long must come together",
    ]
    assert '"bad-lat"' in parsed.rejects[0].raw   # the raw item goes to the dead-letter table


@pytest.mark.parametrize("name", ["spec_error_403.json", "spec_error_403.xml"])
def test_error_array_is_a_connector_error_saying_bad_api_key(name):
    with pytest.raises(open311.Open311Error) as info:
        open311.parse(load(name))
    assert not isinstance(info.value, ParseError)
    assert info.value.code == 403
    assert "bad API key" in str(info.value) and "Invalid api_key received" in str(info.value)


def test_error_404():
    with pytest.raises(ConnectorError, match=r"not found \(404\): service_code 9999 not found"):
        open311.parse(load("error_404.json"))


@pytest.mark.parametrize("name, message", [
    ("truncated.json", "payload: not JSON"),
    ("not_requests.json", "requests: expected an array of service requests, got an object"),
])
def test_unusable_payloads_raise_parse_error(name, message):
    with pytest.raises(ParseError, match=message):
        open311.parse(load(name))


def test_xml_with_a_doctype_is_refused():
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><service_requests/>'
    with pytest.raises(ParseError, match="DOCTYPE"):
        open311.parse(body)


def test_xml_other_root_and_empty_list():
    with pytest.raises(ParseError, match="expected <service_requests>"):
        open311.parse(b"<services/>")
    assert open311.parse(b"<service_requests/>") == []
    assert open311.parse(b"[]") == []


def test_wrapped_array_is_accepted():
    body = b'{"service_requests": [{"service_request_id": 1, "status": "open", "service_code": "0101",' \
           b' "requested_datetime": "2025-06-11T08:00:00+08:00"}]}'
    assert [e.source_id for e in open311.parse(body)] == ["1"]
