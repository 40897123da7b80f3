"""The demo city's traffic WebSocket, GTFS-realtime and CAP servers, and the feeds' life cycle."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
import requests
from google.transit import gtfs_realtime_pb2
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoEndpoints, DemoFeeds
from dashboard.demo.simulation.clock import CITY_TZ, ManualClock

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
START = datetime(2025, 6, 2, 8, 10, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def city():
    return build_city(7)


@pytest.fixture(scope="module")
def storm(city):
    clock = ManualClock(START)
    feeds = DemoFeeds(city, 7, speed=10, scenario="storm", clock=clock)   # speeds every 1 s
    yield feeds.start(), clock
    feeds.stop()


def test_traffic_stream_sends_a_snapshot_then_updates(storm, city):
    endpoints, _ = storm
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/speeds", endpoints.traffic_ws_url)
    with connect(endpoints.traffic_ws_url, open_timeout=2) as ws:
        first = json.loads(ws.recv(timeout=1))
        second = json.loads(ws.recv(timeout=3))
    assert first["type"] == "speeds" and second["seq"] > first["seq"]
    assert first["ts"].endswith("Z") and datetime.fromisoformat(first["ts"])
    assert [s["id"] for s in first["segments"]] == [s.id for s in city.segments]
    speeds = [s["speed_kmh"] for s in first["segments"] if s["speed_kmh"] is not None]
    assert len(speeds) > 0.95 * len(city.segments) and all(0 < v <= 90 for v in speeds)
    with pytest.raises(InvalidStatus) as refused:
        connect(endpoints.traffic_ws_url.replace("/speeds", "/elsewhere"), open_timeout=2)
    assert refused.value.response.status_code == 404


def test_gtfs_realtime_vehicle_positions(storm, city):
    endpoints, clock = storm
    r = requests.get(endpoints.gtfs_rt_url, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/x-protobuf"
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(r.content)
    assert feed.header.gtfs_realtime_version == "2.0"
    assert feed.header.timestamp == int(clock.now.timestamp())
    routes = {route.id for route in city.routes}
    assert len(feed.entity) >= 10
    for entity in feed.entity:
        v = entity.vehicle
        assert v.trip.route_id in routes and v.vehicle.id and v.trip.trip_id
        assert city.district_at(v.position.longitude, v.position.latitude)
        assert v.position.HasField("bearing") and v.position.speed >= 0 and v.timestamp
    assert {e.vehicle.trip.route_id for e in feed.entity} == routes
    assert requests.get(endpoints.gtfs_rt_url.replace(".pb", ".json"), timeout=5).status_code == 404


def _atom(url):
    r = requests.get(url, timeout=5)
    assert r.status_code == 200 and "atom" in r.headers["Content-Type"]
    return ET.fromstring(r.content)


def test_cap_feed_and_messages(storm, city):
    endpoints, clock = storm
    clock.advance(120)        # at speed 10 the storm's warnings are upgraded within minutes
    feed = _atom(endpoints.cap_url)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert entries and updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    severities, types, identifiers = set(), set(), set()
    for entry in entries:
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link.get("type") == "application/cap+xml"
        alert = ET.fromstring(requests.get(link.get("href"), timeout=5).content)
        assert alert.tag == f"{CAP}alert"
        identifier = alert.findtext(f"{CAP}identifier")
        assert link.get("href").endswith(f"/cap/alerts/{identifier}.xml")
        identifiers.add(identifier)
        types.add(alert.findtext(f"{CAP}msgType"))
        assert alert.findtext(f"{CAP}sent").endswith("+08:00")
        refs = alert.findtext(f"{CAP}references")
        if alert.findtext(f"{CAP}msgType") in ("Update", "Cancel"):
            assert refs and all(len(r.split(",")) == 3 for r in refs.split())
        infos = alert.findall(f"{CAP}info")
        assert [i.findtext(f"{CAP}language") for i in infos] == ["zh-CN", "en"]
        severities.add(infos[0].findtext(f"{CAP}severity"))
        area = infos[0].find(f"{CAP}area")
        assert area.findtext(f"{CAP}areaDesc")
        for polygon in area.findall(f"{CAP}polygon"):
            pairs = [tuple(map(float, p.split(","))) for p in polygon.text.split()]
            assert pairs[0] == pairs[-1] and len(pairs) >= 4
            assert all(31.8 < lat < 32.3 and 118.5 < lon < 119.1 for lat, lon in pairs)
        for circle in area.findall(f"{CAP}circle"):
            centre, radius = circle.text.split()
            assert float(radius) > 0 and len(centre.split(",")) == 2
    assert {"Severe", "Extreme"} <= severities and "Update" in types
    missing = requests.get(endpoints.cap_url.replace("alerts.atom", "alerts/NOPE.xml"), timeout=5)
    assert missing.status_code == 404


def test_same_seed_same_content(city):
    def snapshot():
        clock = ManualClock(START)
        with DemoFeeds(city, 7, speed=2, clock=clock) as endpoints:
            clock.advance(600)
            reports = requests.get(endpoints.open311_url + "/requests.json", timeout=5).json()
            titles = [e.findtext(f"{ATOM}title") for e in _atom(endpoints.cap_url).findall(f"{ATOM}entry")]
            feed = gtfs_realtime_pb2.FeedMessage()
            feed.ParseFromString(requests.get(endpoints.gtfs_rt_url, timeout=5).content)
        return reports, titles, feed.SerializeToString()
    assert snapshot() == snapshot()


def test_start_and_stop_cleanly(city):
    before = set(threading.enumerate())
    feeds = DemoFeeds(city, 3, speed=5)
    endpoints = feeds.start()
    assert isinstance(endpoints, DemoEndpoints)
    assert endpoints.open311_url.endswith("/open311/v2") and endpoints.sensorthings_url.endswith("/sta/v1.1")
    assert endpoints.cap_url.endswith("/cap/alerts.atom") and endpoints.gtfs_rt_url.endswith("/vehicle-positions.pb")
    session = requests.Session()                       # a keep-alive connection stays open …
    assert session.get(endpoints.open311_url + "/services.json", timeout=5).ok
    with connect(endpoints.traffic_ws_url, open_timeout=2, close_timeout=1) as ws:   # … and a stream client
        ws.recv(timeout=1)
        t = time.monotonic()
        feeds.stop()
        assert time.monotonic() - t < 2.5
    leftover = [th for th in set(threading.enumerate()) - before if th.is_alive()]
    assert not leftover, leftover
    port = int(endpoints.open311_url.split(":")[2].split("/")[0])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    session.close()


def test_unknown_scenario_is_refused(city):
    with pytest.raises(ValueError, match="scenario"):
        DemoFeeds(city, 7, scenario="earthquake")
