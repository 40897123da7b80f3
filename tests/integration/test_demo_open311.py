"""The demo city's Open311 GeoReport v2 server, over HTTP on loopback."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import requests

from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoFeeds
from dashboard.demo.simulation.clock import CITY_TZ, ManualClock
from dashboard.demo.taxonomy import DEMO_CATEGORIES as CATEGORIES
from dashboard.domain.categories import COMPONENT, EVENT

FIELDS = ("service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url")
START = datetime(2025, 6, 2, 8, 10, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def city():
    return build_city(7)


@pytest.fixture(scope="module")
def demo(city):
    clock = ManualClock(START)
    feeds = DemoFeeds(city, 7, speed=2, scenario="storm", clock=clock)
    endpoints = feeds.start()
    clock.advance(1800)
    yield endpoints.open311_url, clock
    feeds.stop()


def get(url, path, **params):
    return requests.get(url + path, params=params, timeout=5)


def test_discovery_and_services(demo):
    url, _ = demo
    disc = get(url, "/discovery.json").json()
    assert disc["endpoints"][0]["url"] == url and "application/json" in disc["endpoints"][0]["formats"]
    services = get(url, "/services.json").json()
    expected = {c.code for c in CATEGORIES if c.domain in (COMPONENT, EVENT)} | {"1102", "1103"}
    assert {s["service_code"] for s in services} == expected
    assert all(isinstance(s["service_code"], str) and s["service_name"] for s in services)
    root = ET.fromstring(get(url, "/services.xml").content)
    assert root.tag == "services" and {e.findtext("service_code") for e in root.findall("service")} == expected
    assert get(url, "/services/0503.json").json()["service_code"] == "0503"
    missing = get(url, "/services/9999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_requests_json_and_xml_agree(demo, city):
    url, _ = demo
    items = get(url, "/requests.json", extensions="true").json()
    assert len(items) > 100
    for item in items:
        assert set(FIELDS) <= set(item)
        assert isinstance(item["service_request_id"], str) and item["status"] in ("open", "closed")
        assert item["requested_datetime"].endswith("+08:00") and datetime.fromisoformat(item["updated_datetime"])
        assert city.district_at(item["long"], item["lat"])
        assert set(item["extended_attributes"]) == {"reporter_name", "reporter_phone"}
    assert "extended_attributes" not in get(url, "/requests.json").json()[0]
    root = ET.fromstring(get(url, "/requests.xml").content)
    assert root.tag == "service_requests"
    xml_ids = [r.findtext("service_request_id") for r in root.findall("request")]
    assert xml_ids == [i["service_request_id"] for i in items]
    one = get(url, f"/requests/{items[0]['service_request_id']}.json").json()
    assert one[0]["service_request_id"] == items[0]["service_request_id"]
    one_xml = ET.fromstring(get(url, f"/requests/{items[0]['service_request_id']}.xml").content)
    assert one_xml.find("request/description").text == items[0]["description"]


def test_storm_reports_dominate(demo):
    url, _ = demo
    items = get(url, "/requests.json", start_date=START.isoformat()).json()
    assert sum(i["service_code"] in ("0503", "0401") for i in items) > len(items) / 2


def test_filters(demo):
    url, _ = demo
    everything = get(url, "/requests.json").json()
    closed = get(url, "/requests.json", status="closed").json()
    assert closed and all(i["status"] == "closed" for i in closed)
    assert len(get(url, "/requests.json", status="open,closed").json()) == len(everything)
    trees = get(url, "/requests.json", service_code="0401,0101").json()
    assert trees and {i["service_code"] for i in trees} <= {"0401", "0101"}
    mid = sorted(i["requested_datetime"] for i in everything)[len(everything) // 2]
    later = get(url, "/requests.json", start_date=mid).json()
    earlier = get(url, "/requests.json", end_date=mid).json()
    assert all(i["requested_datetime"] >= mid for i in later) and all(i["requested_datetime"] <= mid for i in earlier)
    assert len(later) + len(earlier) >= len(everything)
    cut = sorted(i["updated_datetime"] for i in everything)[-10]
    newer = get(url, "/requests.json", updated_after=cut).json()
    assert newer and all(i["updated_datetime"] > cut for i in newer)
    older = get(url, "/requests.json", updated_before=cut).json()
    assert len(newer) + len(older) < len(everything) + 1


def test_updated_after_sees_new_and_changed_reports(demo):
    url, clock = demo
    everything = get(url, "/requests.json").json()
    checkpoint = max(i["updated_datetime"] for i in everything)
    clock.advance(120)
    fresh = get(url, "/requests.json", updated_after=checkpoint).json()
    assert fresh and all(i["updated_datetime"] > checkpoint for i in fresh)
    known = {i["service_request_id"] for i in everything}
    assert any(i["service_request_id"] not in known for i in fresh)


def test_paging(demo):
    url, _ = demo
    everything = get(url, "/requests.json").json()
    pages, page = [], 1
    while batch := get(url, "/requests.json", page=page, page_size=25).json():
        pages += batch
        page += 1
    assert [i["service_request_id"] for i in pages] == [i["service_request_id"] for i in everything]
    assert len(get(url, "/requests.json", page_size=5000).json()) <= 1000


def test_errors_are_the_specs_arrays(demo):
    url, _ = demo
    r = get(url, "/requests/no-such-id.json")
    assert r.status_code == 404 and r.json() == [{"code": 404, "description": "no service request with id no-such-id"}]
    x = get(url, "/requests/no-such-id.xml")
    root = ET.fromstring(x.content)
    assert x.status_code == 404 and root.tag == "errors" and root.findtext("error/code") == "404"
    assert get(url, "/nothing.json").json()[0]["code"] == 404
    bad = get(url, "/requests.json", start_date="yesterday")
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert get(url, "/requests.json", page="0").status_code == 400
