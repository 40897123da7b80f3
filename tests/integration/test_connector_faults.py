"""Connectors against the demo city's real servers through a fault-injecting proxy: 500s, hangs,
a socket closed mid-body, garbage, replayed and older answers, a WebSocket dropped mid-message,
and a restart mid-way. For each: the connector recovers once the fault clears, the store holds
everything the demo server serves directly and nothing twice, the health says what happened, and
bad payloads are dead letters with their raw text and reason. SQLite store; speed 30."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from connectors import cap, gtfs_rt
from connectors.base import RetryPolicy
from connectors.cap import CapConnector
from connectors.gtfs_rt import GtfsRtConnector
from connectors.open311 import Open311Connector
from connectors.parsing import iso_z
from connectors.sensorthings import SensorThingsConnector
from connectors.traffic import TrafficConnector
from dashboard.bus import MemoryBus
from dashboard.config import Settings
from dashboard.demo.city import build_city
from dashboard.demo.feeds import DemoFeeds
from dashboard.demo.simulation.clock import ManualClock
from dashboard.services.container import Services
from dashboard.services.ingest import IngestService
from dashboard.store import feeds, reference, schema as t

# tests/integration is not a package: pytest puts it on sys.path
from fault_proxy import FaultProxy, WsFaultProxy
from feed_checks import StateLog, assert_nothing_twice, dead_letters, health, stored, wait_until

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
TIMEOUT = 0.5        # every connector's network timeout here; the proxy hangs for longer


# -- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def city():
    return build_city(7)


@pytest.fixture(scope="module")
def clock():
    """The demo's HTTP servers run on a clock that moves only when a test says so, so that "what the
    server serves" holds still while it is compared with the store. It starts just after a full hour:
    the air history is then hourly slots only."""
    start = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    return ManualClock(start + timedelta(seconds=10))


@pytest.fixture(scope="module")
def demo(city, clock):
    feeds_ = DemoFeeds(city, seed=7, speed=30.0, clock=clock)
    yield feeds_.start()
    feeds_.stop()


@pytest.fixture
def proxy(demo):
    p = FaultProxy(demo.open311_url.split("/open311")[0], hang_seconds=2.0)
    yield p
    p.close()


@pytest.fixture
def services(sqlite_store, city, tmp_path):
    with sqlite_store.begin() as conn:
        reference.save_city(conn, city)
    settings = replace(Settings(), data_dir=str(tmp_path), demo=False)
    return Services(settings, sqlite_store, MemoryBus(), city)


def served_requests(demo, clock) -> dict[str, dict]:
    """Every Open311 request the demo serves now, straight from the server: id → record."""
    params = {"updated_after": (clock.now - timedelta(days=2)).isoformat(), "page_size": 1000, "extensions": "true"}
    records = requests.get(demo.open311_url + "/requests.json", params=params, timeout=5).json()
    assert len(records) < 1000
    return {r["service_request_id"]: r for r in records}


def versions(records: dict[str, dict]) -> set[tuple[str, datetime]]:
    return {(rid, datetime.fromisoformat(r["updated_datetime"]).astimezone(timezone.utc)) for rid, r in records.items()}


def holds_all_served(services, demo, clock) -> bool:
    return versions(served_requests(demo, clock)) <= set(stored(services, "open311"))


def open311(proxy) -> Open311Connector:
    return Open311Connector(proxy.url + "/open311/v2", poll_seconds=0.1, timeout=TIMEOUT, retry=FAST,
                            max_backoff=0.2, page_size=200)


# -- HTTP faults -----------------------------------------------------------------------------------------
FAULTS = {   # mode → what the health detail says while it lasts
    "error": "HTTP 500",
    "hang": f"timed out after {TIMEOUT:g} s",
    "cut": "the connection broke while the body was being read",
    "garbage": "requests: expected <service_requests>, got <html>",
}


@pytest.mark.parametrize("mode", sorted(FAULTS))
def test_open311_recovers_from(mode, demo, clock, proxy, services, run):
    running = run(open311(proxy), services)
    wait_until(lambda: holds_all_served(services, demo, clock), "the first poll stored what the server serves")
    assert health(services, "open311")["state"] == "ok"

    proxy.set(mode)
    clock.advance(30)                     # new reports and updates come up while the source misbehaves
    states = StateLog(services, "open311")
    states()
    row = wait_until(lambda: (h := health(services, "open311"))["consecutive_failures"] >= 3 and h,
                     "three failures in a row", watch=states)
    assert row["state"] == "down" and not row["ok"] and FAULTS[mode] in row["detail"]
    assert states.states[:3] == ["ok", "degraded", "down"]
    assert not holds_all_served(services, demo, clock)          # the new records are not in yet …

    proxy.set("pass")
    wait_until(lambda: holds_all_served(services, demo, clock) and health(services, "open311")["ok"],
               "recovered and caught up", watch=states)        # … and after the fault clears they are
    states()
    assert states.states[-1] == "ok" and health(services, "open311")["consecutive_failures"] == 0
    running.stop()
    assert_nothing_twice(services, "open311")
    dead = dead_letters(services, "open311")
    if mode == "garbage":   # once, however often it came, with the raw body and the reason
        assert [(d["raw"], d["reason"]) for d in dead] == [(proxy.garbage.decode(), FAULTS["garbage"])]
        assert health(services, "open311")["dead_letters_total"] == 1
    else:
        assert dead == []


def test_open311_replayed_answers_store_nothing_twice(demo, clock, proxy, services, run):
    running = run(open311(proxy), services)
    wait_until(lambda: holds_all_served(services, demo, clock), "the first poll")
    with services.store.connect() as conn:
        checkpoint = feeds.load_checkpoint(conn, "open311")
    before = stored(services, "open311")

    proxy.set("replay")                   # the first answer again and again: all duplicates
    clock.advance(20)
    wait_until(lambda: len(proxy.served(mode="replay")) >= 5, "five replayed answers")
    assert sorted(stored(services, "open311")) == sorted(before)
    with services.store.connect() as conn:
        assert feeds.load_checkpoint(conn, "open311") == checkpoint       # an old answer does not move it back
    assert health(services, "open311")["state"] == "ok"                   # duplicates are not a failure

    proxy.set("pass")
    wait_until(lambda: holds_all_served(services, demo, clock), "caught up")
    running.stop()
    assert_nothing_twice(services, "open311")
    assert dead_letters(services, "open311") == []


def test_open311_an_older_version_never_overwrites_the_newer(demo, clock, proxy, services, run):
    running = run(open311(proxy), services)
    clock.advance(5)                      # reports arrive …
    wait_until(lambda: holds_all_served(services, demo, clock), "the new reports")
    clock.advance(60)                     # … and are acknowledged or closed: newer versions
    wait_until(lambda: holds_all_served(services, demo, clock), "their updates")
    rows, served = stored(services, "open311"), served_requests(demo, clock)
    seen: dict[str, list[datetime]] = {}
    for sid, updated_at in rows:
        seen.setdefault(sid, []).append(updated_at)
    # a report stored as first received and again after an update
    rid = min(sid for sid, times in seen.items() if len(times) >= 2 and min(times) ==
              datetime.fromisoformat(served[sid]["requested_datetime"]).astimezone(timezone.utc))
    newest = max(seen[rid])
    current = served[rid]
    old = {**current, "status": "open", "status_notes": None, "updated_datetime": current["requested_datetime"]}
    with services.store.connect() as conn:
        incident = dict(conn.execute(sa.select(t.incidents).where(t.incidents.c.source_ref == rid)).one()._mapping)
        checkpoint = feeds.load_checkpoint(conn, "open311")

    proxy.rewrite = lambda path, body: json.dumps(json.loads(body) + [old]).encode()
    proxy.set("rewrite", under="/open311/v2/requests.json")
    wait_until(lambda: len(proxy.served(mode="rewrite")) >= 5, "five answers with the old version in them")
    running.stop()
    rows = stored(services, "open311")
    assert max(u for s, u in rows if s == rid) == newest
    assert sum(1 for s, _ in rows if s == rid) == len(seen[rid])   # the old version was there already: not again
    with services.store.connect() as conn:
        assert dict(conn.execute(sa.select(t.incidents).where(t.incidents.c.source_ref == rid)).one()._mapping) \
            == incident
        assert feeds.load_checkpoint(conn, "open311") == checkpoint
    assert_nothing_twice(services, "open311")
    assert health(services, "open311")["state"] == "ok"


# -- the other polling connectors ----------------------------------------------------------------------
def served_vehicles(demo, since: str = "") -> set[str]:
    return {e.source_id for e in gtfs_rt.parse(requests.get(demo.gtfs_rt_url, timeout=5).content)}


def served_alerts(demo, since: str = "") -> set[str]:
    entries, _ = cap.parse_index(requests.get(demo.cap_url, timeout=5).content, demo.cap_url)
    return {cap.parse(requests.get(e.cap_url, timeout=5).content)[0].source_id for e in entries}


def served_readings(demo, since: str) -> set[str]:
    return set(served_observations(demo, since))


POLLING = {"poll_seconds": 0.1, "timeout": TIMEOUT, "retry": FAST, "max_backoff": 0.2}
OTHERS = {   # connector → (how to make it, what the demo serves directly since, its fault, what health says)
    "gtfs_rt": (lambda url: GtfsRtConnector(url + "/gtfs-rt/vehicle-positions.pb", **POLLING),
                served_vehicles, "garbage", "not a GTFS-realtime FeedMessage"),
    "sensorthings": (lambda url: SensorThingsConnector(url + "/sta/v1.1", page_size=500, **POLLING),
                     served_readings, "error", "HTTP 500"),
    "cap": (lambda url: CapConnector(url + "/cap/alerts.atom", **POLLING), served_alerts, "cut",
            "the connection broke while the body was being read"),
}


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_other_feeds_recover(name, demo, clock, proxy, services, run):
    make, served, mode, says = OTHERS[name]
    since = iso_z(clock.now)
    IngestService(services).save_checkpoint("sensorthings", since)   # air from now on; the others ignore it
    running = run(make(proxy.url), services)
    holds_all = lambda: served(demo, since) <= {sid for sid, _ in stored(services, name)}   # noqa: E731
    wait_until(lambda: holds_all() and health(services, name)["ok"], "the first poll")

    proxy.set(mode)
    clock.advance(20)
    row = wait_until(lambda: (h := health(services, name))["consecutive_failures"] >= 3 and h, "three failures")
    assert row["state"] == "down" and says in row["detail"]
    proxy.set("pass")
    wait_until(lambda: holds_all() and health(services, name)["ok"], "recovered and caught up")
    running.stop()
    assert health(services, name)["state"] == "ok"
    rows = stored(services, name)
    assert len(rows) == len(set(rows))
    dead = dead_letters(services, name)
    if mode == "garbage":
        assert len(dead) == 1 and dead[0]["raw"] == proxy.garbage.decode() and says in dead[0]["reason"]
    else:
        assert dead == []


def test_gtfs_rt_an_older_feed_never_moves_buses_back(demo, clock, proxy, services, run):
    running = run(GtfsRtConnector(proxy.url + "/gtfs-rt/vehicle-positions.pb", **POLLING), services)
    wait_until(lambda: served_vehicles(demo) <= {sid for sid, _ in stored(services, "gtfs_rt")}, "positions")
    clock.advance(20)                     # the buses move on
    wait_until(lambda: served_vehicles(demo) <= {sid for sid, _ in stored(services, "gtfs_rt")}, "new ones")
    with services.store.connect() as conn:
        buses = {r.vehicle_id: tuple(r) for r in conn.execute(sa.select(t.vehicles))}
        checkpoint = feeds.load_checkpoint(conn, "gtfs_rt")
    before = stored(services, "gtfs_rt")

    proxy.set("replay")                   # the feed of 20 s ago, again and again
    wait_until(lambda: len(proxy.served(mode="replay")) >= 5, "five old feeds")
    running.stop()
    with services.store.connect() as conn:
        assert {r.vehicle_id: tuple(r) for r in conn.execute(sa.select(t.vehicles))} == buses
        assert feeds.load_checkpoint(conn, "gtfs_rt") == checkpoint      # never older than stored
    assert sorted(stored(services, "gtfs_rt")) == sorted(before)
    assert health(services, "gtfs_rt")["state"] == "ok"


# -- a restart mid-way ---------------------------------------------------------------------------------------
def served_observations(demo, since: str) -> dict[str, str]:
    """Every Observation after `since`, straight from the demo server: id → phenomenonTime."""
    url, params, out = demo.sensorthings_url + "/Observations", {
        "$filter": f"phenomenonTime gt {since}", "$orderby": "phenomenonTime asc", "$top": 1000}, {}
    while url:
        page = requests.get(url, params=params, timeout=5).json()
        out.update((str(o["@iot.id"]), o["phenomenonTime"]) for o in page["value"])
        url, params = page.get("@iot.nextLink"), None
    return out


def observation_ids(exchanges) -> dict[str, str]:
    return {str(o["@iot.id"]): o["phenomenonTime"] for x in exchanges if x.status == 200
            for o in json.loads(x.body)["value"]}


def test_sensorthings_restart_mid_way_resumes_without_gap_or_repeat(demo, clock, proxy, services, run):
    since = iso_z(clock.now)
    clock.advance(30)                     # six 5-second slots of every station and pollutant
    expected = served_observations(demo, since)
    IngestService(services).save_checkpoint("sensorthings", since)

    def connector():
        return SensorThingsConnector(proxy.url + "/sta/v1.1", page_size=100, poll_seconds=0.1, timeout=TIMEOUT,
                                     retry=FAST, max_backoff=0.2)
    proxy.set("hang", after=3, under="/sta/v1.1/Observations")   # three pages, then the source stalls
    first = run(connector(), services)
    wait_until(lambda: proxy.hanging, "the fourth page is asked for")
    first.stop()                          # stopped mid-way, in the middle of a poll
    with services.store.connect() as conn:
        resumed_from = feeds.load_checkpoint(conn, "sensorthings")
    assert resumed_from > since
    before = len(proxy.exchanges)

    proxy.set("pass")
    second = run(connector(), services)
    wait_until(lambda: set(expected) <= {sid for sid, _ in stored(services, "sensorthings")},
               "every observation the server serves is stored")
    second.stop()
    first_asked = [x for x in proxy.exchanges[:before] if x.path == "/sta/v1.1/Observations"]
    second_asked = [x for x in proxy.exchanges[before:] if x.path == "/sta/v1.1/Observations"]
    assert second_asked[0].query["$filter"] == f"phenomenonTime gt {resumed_from}"
    first_saw, second_saw = observation_ids(first_asked), observation_ids(second_asked)
    # no gap: everything; no repeat: stored once, and asked again for one time slot at most
    rows = stored(services, "sensorthings")
    assert sorted(sid for sid, _ in rows) == sorted(expected)
    again = set(first_saw) & set(second_saw)
    assert len({first_saw[i] for i in again}) <= 1 and len(again) <= len(services.city.stations) * 6
    assert dead_letters(services, "sensorthings") == []


# -- the traffic WebSocket dropped mid-message -------------------------------------------------------------
@pytest.fixture
def live_demo(city):
    """The segment stream needs a clock that moves by itself: a demo of its own, on the real clock."""
    feeds_ = DemoFeeds(city, seed=7, speed=30.0)
    yield feeds_.start()
    feeds_.stop()


def latest_message(url: str) -> dict:
    from websockets.sync.client import connect
    with connect(url, open_timeout=5) as ws:
        return json.loads(ws.recv(timeout=5))


def test_traffic_stream_dropped_mid_message_reconnects_and_catches_up(live_demo, services, run):
    ws = WsFaultProxy(live_demo.traffic_ws_url)
    try:
        running = run(TrafficConnector(ws.url, timeout=1.0, idle_seconds=5.0,
                                       reconnect=RetryPolicy(base_delay=0.05, max_delay=0.1)), services)
        n = len(services.city.segments)
        wait_until(lambda: _segment_states(services) == n and health(services, "traffic")["ok"], "the first snapshot")

        ws.refusing.set()                 # the stream breaks mid-message and stays down a while
        ws.drop()
        row = wait_until(lambda: (h := health(services, "traffic"))["consecutive_failures"] >= 3 and h,
                         "three failed reconnections")
        assert ws.dropped == 1 and row["state"] == "down" and "HTTP 503" in row["detail"]
        failures = [detail for ok, detail in running.sink.reports if not ok]
        assert failures[0].startswith("ConnectionClosedError")          # the message broke off …
        assert all("HTTP 503" in d for d in failures[1:])                # … and reconnecting was refused

        ws.refusing.clear()
        snapshot = latest_message(live_demo.traffic_ws_url)        # what the server sends now, directly
        ts = iso_z(datetime.fromisoformat(snapshot["ts"].replace("Z", "+00:00")))
        wanted = {f"{s['id']}@{ts}" for s in snapshot["segments"]}
        wait_until(lambda: wanted <= {sid for sid, _ in stored(services, "traffic")} and
                   health(services, "traffic")["ok"], "the current snapshot after reconnecting")
        running.stop()
        assert health(services, "traffic")["state"] == "ok" and ws.connections >= 2
        assert running.sink.reports[-1][0] is True
        rows = stored(services, "traffic")
        assert len(rows) == len(set(rows))
        assert dead_letters(services, "traffic") == []       # half a message is a broken connection, not a message
    finally:
        ws.close()


def _segment_states(services) -> int:
    with services.store.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.segment_state)).scalar_one()
