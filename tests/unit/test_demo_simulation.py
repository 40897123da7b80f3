"""The demo's generators: deterministic for a seed and a start time, whatever the polling pace, and
shaped as the scenarios promise."""
from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import pytest

from dashboard.demo.city import PROJECTION, build_city
from dashboard.demo.geometry import cumulative, point_along
from dashboard.demo.simulation import AirModel, AlertStream, BusFleet, ObservationLog, ReportStream, SpeedModel
from dashboard.demo.simulation.clock import CITY_TZ
from dashboard.domain.aqi import iaqi
from dashboard.demo.taxonomy import BY_CODE
from dashboard.domain.categories import COMPONENT, EVENT

T0 = datetime(2025, 6, 2, 10, 0, 0, 250000, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def city():
    return build_city(7)


def _run_reports(city, step_s: float, minutes: float, **kw):
    stream = ReportStream(city, 7, T0, **kw)
    t, end = T0, T0 + timedelta(minutes=minutes)
    while t < end:
        t = min(end, t + timedelta(seconds=step_s))
        stream.advance(t)
    return stream


def _content(stream):
    return [(r.id, r.code, r.description, r.address, r.lat, r.lon, r.status, r.status_notes, r.updated_at)
            for r in stream.requests.values()]


def test_reports_are_the_same_whatever_the_polling_pace(city):
    a = _run_reports(city, 0.9, 20, speed=3)
    b = _run_reports(city, 17, 20, speed=3)
    assert _content(a) == _content(b)
    c = ReportStream(build_city(8), 8, T0, speed=3)
    assert _content(c)[:5] != _content(a)[:5]


def test_reports_are_well_formed_and_inside_the_city(city):
    stream = _run_reports(city, 30, 60)
    reqs = list(stream.requests.values())
    # 40 from before the start, then about one every 15 s
    assert 40 + 150 <= len(reqs) <= 40 + 340
    for r in reqs:
        assert isinstance(r.id, str) and r.id
        cat = BY_CODE[r.code]
        assert cat.domain in (COMPONENT, EVENT) or r.code in ("1102", "1103")
        assert r.district and city.district_at(r.lon, r.lat) == r.district
        assert r.agency and r.address.startswith(next(d.name_zh for d in city.districts if d.code == r.district))
        assert r.requested_at.microsecond == 0 and r.updated_at >= r.requested_at
        assert (r.reporter_name is None) == (r.reporter_phone is None)
    assert len({r.id for r in reqs}) == len(reqs)
    closed = [r for r in reqs if r.status == "closed"]
    assert closed and all(r.updated_at > r.requested_at and r.status_notes for r in closed)
    assert any(r.status == "open" for r in reqs)


def test_storm_brings_waterlogging_and_fallen_trees(city):
    ordinary = _run_reports(city, 60, 30)
    storm = _run_reports(city, 60, 30, scenario="storm")
    new = [r for r in storm.requests.values() if r.requested_at >= T0]
    share = sum(r.code in ("0503", "0401") for r in new) / len(new)
    assert share > 0.5
    assert len(storm.requests) > 1.8 * len(ordinary.requests) - 40


def test_speed_multiplies_arrivals(city):
    slow = _run_reports(city, 60, 30, speed=1)
    fast = _run_reports(city, 60, 30, speed=4)
    assert len(fast.requests) - 40 > 2.5 * (len(slow.requests) - 40)


def _mean_ratio(model, city, hour, minute=0):
    snap = model.snapshot(datetime(2025, 6, 2, hour, minute, tzinfo=CITY_TZ))
    return statistics.mean(s["speed_kmh"] / seg.free_flow_kmh
                           for s, seg in zip(snap, city.segments) if s["speed_kmh"] is not None)


def test_rush_hours_are_clearly_slower(city):
    model = SpeedModel(city, 7)
    snap = model.snapshot(T0)
    assert [s["id"] for s in snap] == [seg.id for seg in city.segments]
    assert snap == SpeedModel(city, 7).snapshot(T0)
    night, noon = _mean_ratio(model, city, 3), _mean_ratio(model, city, 12)
    for hour, minute in ((7, 45), (8, 15), (17, 45), (18, 30)):
        assert _mean_ratio(model, city, hour, minute) < 0.75 * noon < night
    rush = SpeedModel(city, 7, "rush-hour")
    assert _mean_ratio(rush, city, 3) < 0.75 * night
    storm = SpeedModel(city, 7, "storm")
    assert _mean_ratio(storm, city, 12) < 0.9 * noon
    # a few chronic bottlenecks crawl in the rush
    morning = model.snapshot(datetime(2025, 6, 2, 8, 0, tzinfo=CITY_TZ))
    crawling = sum(1 for s, seg in zip(morning, city.segments)
                   if s["speed_kmh"] is not None and s["speed_kmh"] < 0.3 * seg.free_flow_kmh)
    assert 3 <= crawling <= 0.2 * len(city.segments)
    assert all(s["flow_vph"] is None or s["flow_vph"] >= 0 for s in morning)


def test_buses_move_along_their_routes(city):
    fleet = BusFleet(city, 7)
    first = fleet.positions(T0)
    later = fleet.positions(T0 + timedelta(seconds=30))
    assert first == BusFleet(city, 7).positions(T0)
    routes = {r.id: [PROJECTION.xy(*c) for c in r.geometry["coordinates"]] for r in city.routes}
    assert {v.route_id for v in first} == set(routes)
    for a, b in zip(first, later):
        assert a.vehicle_id == b.vehicle_id and 0 <= a.bearing < 360 and a.speed_ms > 0
        assert (a.lon, a.lat) != (b.lon, b.lat)
        pts = routes[a.route_id]
        p = PROJECTION.xy(a.lon, a.lat)
        cum = cumulative(pts)
        nearest = min(math.dist(p, point_along(pts, cum, s)[0]) for s in [cum[-1] * k / 2000 for k in range(2001)])
        assert nearest < 0.05      # km


def test_pollution_scenario_pushes_several_stations_over_aqi_150(city):
    model = AirModel(city, 7, "pollution", T0, speed=1)
    at = T0 + timedelta(minutes=15)
    over = [i for i in range(len(city.stations)) if iaqi("pm25", model.value(i, "pm25", at)) > 150]
    assert len(over) >= 4
    hour_before = T0 - timedelta(hours=1)
    assert all(iaqi("pm25", model.value(i, "pm25", hour_before)) <= 150 for i in range(len(city.stations)))
    ordinary = AirModel(city, 7, "", T0)
    assert max(ordinary.value(i, "pm25", at) for i in range(len(city.stations))) < 115
    # a daily pattern: ozone peaks in the afternoon
    afternoon = datetime(2025, 6, 2, 15, tzinfo=CITY_TZ)
    night = datetime(2025, 6, 2, 3, tzinfo=CITY_TZ)
    assert ordinary.value(0, "o3", afternoon) > 1.5 * ordinary.value(0, "o3", night)


def test_observation_log_has_history_and_grows_on_time(city):
    model = AirModel(city, 7, "", T0)
    log = ObservationLog(model, T0, speed=1)
    n = len(city.stations) * 6
    assert log.datastream_count == n
    assert len(log.times) == n * 25                     # 24 past hours and the current one, hourly
    assert list(log.times) == sorted(log.times)
    log.advance(T0 + timedelta(seconds=125))
    assert len(log.times) == n * 27                     # a new slot every 60 s at speed 1
    assert list(log.ids) == sorted(set(log.ids))
    fast = ObservationLog(AirModel(city, 7, "", T0, 20), T0, speed=20)
    fast.advance(T0 + timedelta(seconds=60))
    assert len(fast.times) == n * (25 + 12)             # every 5 s (never faster)


def test_alert_stream(city):
    storm = AlertStream(city, 7, T0, speed=1, scenario="storm")
    storm.advance(T0 + timedelta(minutes=50))
    again = AlertStream(city, 7, T0, speed=1, scenario="storm")
    for minute in range(0, 51, 7):
        again.advance(T0 + timedelta(minutes=minute))
    again.advance(T0 + timedelta(minutes=50))
    assert [m.identifier for m in storm.messages] == [m.identifier for m in again.messages]
    severe = [m for m in storm.messages if m.severity in ("Severe", "Extreme")]
    assert {m.severity for m in severe} == {"Severe", "Extreme"}
    assert {m.event for m in severe} >= {"rainstorm", "typhoon"}
    ids = {m.identifier for m in storm.messages}
    for m in storm.messages:
        if m.msg_type in ("Update", "Cancel"):
            assert m.references and all(ref[1] in ids for ref in m.references)
        assert m.expires >= m.sent and m.sent.microsecond == 0
        assert m.area.polygons or m.area.circle
    assert {"Alert", "Update", "Cancel"} <= {m.msg_type for m in storm.messages}
    ordinary = AlertStream(city, 7, T0, speed=1)
    ordinary.advance(T0 + timedelta(hours=6))
    assert ordinary.messages and {m.severity for m in ordinary.messages} <= {"Minor", "Moderate"}
    pollution = AlertStream(city, 7, T0, scenario="pollution")
    pollution.advance(T0 + timedelta(minutes=11))
    assert any(m.event == "pollution" and m.severity == "Extreme" for m in pollution.messages)
