"""The demo city's OGC SensorThings API v1.1 server, over HTTP on loopback."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoFeeds
from dashboard.demo.simulation.clock import CITY_TZ, ManualClock

START = datetime(2025, 6, 2, 14, 0, 30, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def city():
    return build_city(7)


@pytest.fixture(scope="module")
def sta(city):
    clock = ManualClock(START)
    feeds = DemoFeeds(city, 7, speed=1, scenario="pollution", clock=clock)
    yield feeds.start().sensorthings_url, clock
    feeds.stop()


def get(url, path, **params):
    r = requests.get(url + path, params=params, timeout=5)
    return r


def test_root_lists_the_entity_sets(sta):
    url, _ = sta
    names = {v["name"] for v in get(url, "").json()["value"]}
    assert {"Things", "Locations", "Datastreams", "ObservedProperties", "Observations"} <= names


def test_things_with_locations(sta, city):
    url, _ = sta
    body = get(url, "/Things", **{"$expand": "Locations", "$count": "true", "$top": "50"}).json()
    assert body["@iot.count"] == len(city.stations) == len(body["value"])
    ids = {s.id for s in city.stations}
    for thing in body["value"]:
        assert thing["properties"]["station_id"] in ids
        (loc,) = thing["Locations"]
        lon, lat = loc["location"]["coordinates"]
        assert loc["location"]["type"] == "Point" and city.district_at(lon, lat)
    one = get(url, "/Things(1)").json()
    assert one["@iot.id"] == 1 and one["Datastreams@iot.navigationLink"].endswith("/Things(1)/Datastreams")
    assert len(get(url, "/Things(1)/Datastreams").json()["value"]) == 6


def test_datastreams_units_and_properties(sta, city):
    url, _ = sta
    body = get(url, "/Datastreams", **{"$expand": "ObservedProperty,Thing", "$top": "1000"}).json()
    assert len(body["value"]) == 6 * len(city.stations) and "@iot.nextLink" not in body
    names = {d["ObservedProperty"]["name"] for d in body["value"]}
    assert names == {"PM2.5", "PM10", "O3", "NO2", "SO2", "CO"}
    for d in body["value"]:
        symbol = d["unitOfMeasurement"]["symbol"]
        assert symbol == ("mg/m³" if d["ObservedProperty"]["name"] == "CO" else "µg/m³")
        assert d["Thing"]["properties"]["station_id"] == d["properties"]["station_id"]


def test_observations_page_with_next_link(sta):
    url, _ = sta
    first = get(url, "/Observations", **{"$orderby": "phenomenonTime asc", "$count": "true"}).json()
    assert len(first["value"]) == 100 and first["@iot.count"] > 100
    second = requests.get(first["@iot.nextLink"], timeout=5).json()
    assert "$skip=100" in first["@iot.nextLink"]
    ids1, ids2 = [o["@iot.id"] for o in first["value"]], [o["@iot.id"] for o in second["value"]]
    assert len(ids2) == 100 and not set(ids1) & set(ids2)
    times = [o["phenomenonTime"] for o in first["value"] + second["value"]]
    assert times == sorted(times)
    # walk to the end
    link, seen = first["@iot.nextLink"].replace("$top=100", "$top=1000"), 100
    while link:
        page = requests.get(link, timeout=5).json()
        seen += len(page["value"])
        link = page.get("@iot.nextLink")
    assert seen == first["@iot.count"]


def test_filter_expand_and_new_observations(sta):
    url, clock = sta
    newest = get(url, "/Observations", **{"$orderby": "phenomenonTime desc", "$top": "1"}).json()["value"][0]
    since = newest["phenomenonTime"]
    assert get(url, "/Observations", **{"$filter": f"phenomenonTime gt {since}"}).json()["value"] == []
    clock.advance(61)
    fresh = get(url, "/Observations", **{"$filter": f"phenomenonTime gt {since}", "$top": "1000",
                                         "$expand": "Datastream/Thing,Datastream/ObservedProperty"}).json()
    assert len(fresh["value"]) == 6 * 36
    for obs in fresh["value"]:
        assert obs["phenomenonTime"] > since and isinstance(obs["result"], float)
        assert obs["Datastream"]["Thing"]["properties"]["station_id"]
        assert obs["Datastream"]["ObservedProperty"]["name"]
    by_stream = get(url, "/Datastreams(1)/Observations", **{"$filter": f"phenomenonTime gt {since}"}).json()
    assert len(by_stream["value"]) == 1
    obs_id = by_stream["value"][0]["@iot.id"]
    assert get(url, f"/Observations({obs_id})/Datastream").json()["@iot.id"] == 1


def test_pollution_shows_in_the_readings(sta):
    url, clock = sta
    clock.advance(900)
    last_minute = (clock.now - timedelta(seconds=60)).isoformat()
    body = get(url, "/Observations", **{"$filter": f"phenomenonTime gt {last_minute}", "$top": "1000",
                                        "$expand": "Datastream"}).json()
    pm25 = [o["result"] for o in body["value"] if o["Datastream"]["properties"]["pollutant"] == "pm25"]
    assert len(pm25) == 36 and sum(v > 115 for v in pm25) >= 4


def test_errors(sta):
    url, _ = sta
    missing = get(url, "/Things(999)")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    assert get(url, "/Nothing").status_code == 404
    bad = get(url, "/Observations", **{"$filter": "result gt 1 or result lt 0"})
    assert bad.status_code == 400 and "and" in bad.json()["message"]
