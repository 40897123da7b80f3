"""Each protocol end to end: the demo city's server → the connector → ingest → the store.
SQLite always, PostgreSQL when the server is there."""
import threading
import time
from dataclasses import replace

import pytest
import sqlalchemy as sa

from connectors import build_connectors
from dashboard.bus import MemoryBus
from dashboard.config import Settings
from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoFeeds
from dashboard.services.container import Services
from dashboard.services.ingest import IngestService
from dashboard.store import feeds, reference, schema as t


@pytest.fixture(scope="module")
def demo_city():
    return build_city(7)


@pytest.fixture
def demo(demo_city):
    feeds_ = DemoFeeds(demo_city, seed=7, speed=30.0, scenario="storm")
    endpoints = feeds_.start()
    yield endpoints
    feeds_.stop()


@pytest.fixture
def city_services(store, demo_city, tmp_path):
    with store.begin() as conn:
        reference.save_city(conn, demo_city)
    settings = replace(Settings(), data_dir=str(tmp_path), demo=False, poll_seconds=0.5)
    return Services(settings, store, MemoryBus(), demo_city)


def run_until(services, demo, name, done, timeout=25.0, **overrides):
    settings = replace(services.settings, connectors=name, **overrides)
    [connector] = build_connectors(settings, demo)
    sink = IngestService(services)
    stop = threading.Event()
    thread = threading.Thread(target=connector.run, args=(stop, sink), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with services.store.connect() as conn:
                if done(conn):
                    return
            time.sleep(0.3)
        pytest.fail(f"{name}: nothing arrived within {timeout} s")
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive(), f"{name} did not stop"
        with services.store.connect() as conn:
            assert feeds.dead_letters(conn) == []


def count(conn, table, *where):
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def test_open311_reports_become_incidents(city_services, demo):
    run_until(city_services, demo, "open311", lambda c: count(c, t.incidents, t.incidents.c.source == "open311") >= 3)
    with city_services.store.connect() as conn:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.source == "open311").limit(1)).first()
    assert row.status == "reported" and row.district and row.lat and row.category.isdigit()


def test_open311_xml_gives_the_same_reports(city_services, demo, monkeypatch):
    import connectors.open311 as open311
    real = open311.Open311Connector.__init__
    monkeypatch.setattr(open311.Open311Connector, "__init__",
                        lambda self, *a, **kw: real(self, *a, **{**kw, "fmt": "xml"}))
    run_until(city_services, demo, "open311", lambda c: count(c, t.incidents, t.incidents.c.source == "open311") >= 3)


def test_traffic_speeds_move_segment_state(city_services, demo):
    n = len(city_services.city.segments)
    run_until(city_services, demo, "traffic", lambda c: count(c, t.segment_state) == n)
    with city_services.store.connect() as conn:
        levels = {r.level for r in conn.execute(sa.select(t.segment_state.c.level))}
    levels.discard(None)   # a detector with no reading this round
    assert levels <= {"free", "light", "moderate", "heavy", "severe"} and len(levels) >= 2


def test_gtfs_rt_vehicle_positions(city_services, demo):
    run_until(city_services, demo, "gtfs_rt", lambda c: count(c, t.vehicles) >= 3)


def test_sensorthings_readings_give_station_aqi(city_services, demo):
    run_until(city_services, demo, "sensorthings",
              lambda c: count(c, t.station_state, t.station_state.c.aqi.is_not(None)) >= 30)


def test_cap_alerts_are_on_the_map(city_services, demo):
    run_until(city_services, demo, "cap", lambda c: count(c, t.alerts, t.alerts.c.status == "active") >= 1)
    with city_services.store.connect() as conn:
        alert = conn.execute(sa.select(t.alerts).where(t.alerts.c.status == "active")).first()
    assert alert.geometry["type"] in ("Polygon", "MultiPolygon") and alert.severity
