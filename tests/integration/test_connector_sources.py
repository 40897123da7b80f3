"""The DATEX II, OpenAQ v3 and NENA EIDO polling connectors against small real HTTP servers on
127.0.0.1 (their content moves on when a test says so), through the fault-injecting proxy: 500s,
hangs, a socket closed mid-body, garbage, replayed older answers; refused credentials; DATEX II's
304 Not Modified. Each writes into the real ingest service on SQLite. The demo city does not serve
these three protocols, so these servers stand in for the real systems."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import datex2, eido, openaq
from connectors.base import RetryPolicy
from connectors.datex2 import Datex2Connector
from connectors.eido import EidoConnector
from connectors.gtfs_rt import Checkpoint, GtfsRtConnector
from connectors.openaq import OpenAQConnector
from connectors.parsing import iso_z
from dashboard.store import feeds, schema as t, state
from tests.conftest import services_on
from tests.support.http_server import serve_get

# tests/integration is not a package: pytest puts it on sys.path
from fault_proxy import FaultProxy
from feed_checks import assert_nothing_twice, dead_letters, health, stored, wait_until

FIX = Path(__file__).parent.parent / "fixtures"
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
TIMEOUT = 0.5
POLLING = {"poll_seconds": 0.1, "timeout": TIMEOUT, "retry": FAST, "max_backoff": 0.2}
T0 = datetime(2025, 6, 11, 6, 15, tzinfo=timezone.utc)


# -- what each source serves at a time t ---------------------------------------------------------------
def datex2_body(at: datetime) -> bytes:
    text = (FIX / "datex2" / "v2_measured_data.xml").read_text()
    return re.sub(r"<measurementTimeDefault>[^<]+<", f"<measurementTimeDefault>{iso_z(at)}<", text).encode()


LOCATION = (FIX / "openaq" / "location_2178.json").read_bytes()


def openaq_latest(at: datetime) -> bytes:
    text = (FIX / "openaq" / "latest_2178.json").read_text()
    return re.sub(r'"utc": "[^"]+"', f'"utc": "{iso_z(at)}"', text).encode()


def eido_body(at: datetime) -> bytes:
    text = (FIX / "eido" / "lanhai_incidents.json").read_text()
    return re.sub(r'"lastUpdateTimeStamp": "[^"]+"', f'"lastUpdateTimeStamp": "{iso_z(at)}"', text).encode()


SOURCES = {   # name → (paths → body at t, how to make the connector at a base URL, the parser of what is served)
    "datex2": ({"/datex2/measured.xml": datex2_body},
               lambda base, **kw: Datex2Connector(base + "/datex2/measured.xml", **kw),
               lambda bodies: datex2.parse(bodies["/datex2/measured.xml"])),
    "openaq": ({"/v3/locations/2178": lambda at: LOCATION, "/v3/locations/2178/latest": openaq_latest},
               lambda base, **kw: OpenAQConnector(base + "/v3", {"2178": "A01"}, **kw),
               lambda bodies: openaq.parse(bodies["/v3/locations/2178/latest"],
                                           openaq.parse_location(bodies["/v3/locations/2178"]),
                                           station_ids={"2178": "A01"})),
    "eido": ({"/eido/incidents": eido_body},
             lambda base, **kw: EidoConnector(base + "/eido/incidents", **kw),
             lambda bodies: eido.parse(bodies["/eido/incidents"])),
}


class SourceServer:
    """A source on 127.0.0.1:0 serving `paths` at its own time `at` (moved on by advance()).
    With `authorization` set, a request without that Authorization (or X-API-Key) header gets 401.
    Answers carry Last-Modified; a request with a matching If-Modified-Since gets 304."""

    def __init__(self, paths: dict) -> None:
        self.paths, self.at, self.authorization = paths, T0, None
        self.answers: list[int] = []
        self.httpd = serve_get(self._handle, name="source")
        self.url = self.httpd.url

    def advance(self, minutes: int = 5) -> None:
        self.at += timedelta(minutes=minutes)

    def bodies(self) -> dict[str, bytes]:
        return {path: make(self.at) for path, make in self.paths.items()}

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        make = self.paths.get(path)
        given = h.headers.get("Authorization") or h.headers.get("X-API-Key")
        modified = self.at.strftime("%a, %d %b %Y %H:%M:%S GMT")
        if make is None:
            status, body = 404, b'{"detail": "not found"}'
        elif self.authorization and given != self.authorization:
            status, body = 401, b'{"detail": "unauthorized"}'
        elif h.headers.get("If-Modified-Since") == modified:
            status, body = 304, b""
        else:
            status, body = 200, make(self.at)
        self.answers.append(status)
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/xml" if path.endswith(".xml") else "application/json")
            h.send_header("Last-Modified", modified)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
        except OSError:
            pass

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture
def services(sqlite_store, small_city, tmp_path):
    return services_on(sqlite_store, small_city, tmp_path)


@pytest.fixture(params=sorted(SOURCES))
def source(request):
    paths, make, served = SOURCES[request.param]
    server = SourceServer(paths)
    proxy = FaultProxy(server.url, hang_seconds=2.0)
    served_now = lambda: {(e.source_id, e.updated_at) for e in served(server.bodies())}   # noqa: E731
    served_now.rejects = lambda: {r.reason for r in served(server.bodies()).rejects}
    yield request.param, server, proxy, make, served_now
    proxy.close()
    server.close()


def holds_all(services, name, served) -> bool:
    return served() <= set(stored(services, name))


def checkpoint(services, name):
    with services.store.connect() as conn:
        return feeds.load_checkpoint(conn, name)


def checkpoint_time(services, name) -> datetime | None:
    """The newest time the connector's checkpoint holds (OpenAQ keeps one per location)."""
    value = checkpoint(services, name)
    if value is None:
        return None
    times = json.loads(value).values() if value.startswith("{") else [value]
    return max(datetime.fromisoformat(v.replace("Z", "+00:00")) for v in times)


def caught_up(services, name, served, server) -> bool:
    """Everything served is stored, the health is ok and the checkpoint has reached the server's time
    (it is saved just after the events go in, so a test waits for it too)."""
    return holds_all(services, name, served) and health(services, name)["ok"] and \
        checkpoint_time(services, name) == server.at


# -- the tests -----------------------------------------------------------------------------------------
FAULTS = {"error": "HTTP 500", "hang": f"timed out after {TIMEOUT:g} s",
          "cut": "the connection broke while the body was being read", "garbage": None}


@pytest.mark.parametrize("mode", sorted(FAULTS))
def test_recovers_from(mode, source, services, run):
    name, server, proxy, make, served = source
    running = run(make(proxy.url, **POLLING), services)
    wait_until(lambda: caught_up(services, name, served, server), "the first poll")
    bad_items = served.rejects()           # the fixtures hold invalid items on purpose: those are dead letters

    proxy.set(mode)
    server.advance()                       # newer records come up while the source misbehaves
    bad_items |= served.rejects()
    row = wait_until(lambda: (h := health(services, name))["consecutive_failures"] >= 3 and h, "three failures")
    assert row["state"] == "down" and not row["ok"]
    if FAULTS[mode]:
        assert FAULTS[mode] in row["detail"]
    assert not holds_all(services, name, served)

    proxy.set("pass")
    wait_until(lambda: caught_up(services, name, served, server), "recovered, caught up, checkpoint moved on")
    running.stop()
    assert health(services, name)["state"] == "ok"
    assert_nothing_twice(services, name) if name == "eido" else \
        (lambda rows: len(rows) == len(set(rows)))(stored(services, name))
    dead = dead_letters(services, name)
    garbage = [d for d in dead if d["raw"] == proxy.garbage.decode()]
    if mode == "garbage":   # once, however often it came, with the raw body and the reason
        assert len(garbage) == 1 and garbage[0]["reason"] in row["detail"]
    else:
        assert garbage == []
    assert {d["reason"] for d in dead if d["raw"] != proxy.garbage.decode()} == bad_items


def test_replayed_older_answers_store_nothing_and_never_move_the_checkpoint_back(source, services, run):
    name, server, proxy, make, served = source
    running = run(make(proxy.url, **POLLING), services)
    wait_until(lambda: caught_up(services, name, served, server), "the first poll")   # the proxy keeps this answer
    server.advance()
    wait_until(lambda: caught_up(services, name, served, server), "the newer answer")
    before, newest = sorted(stored(services, name)), checkpoint(services, name)
    with services.store.connect() as conn:
        cases = [tuple(r) for r in conn.execute(sa.select(t.incidents.c.source_ref, t.incidents.c.status,
                                                                t.incidents.c.version))]

    proxy.set("replay")                    # the first, older answer again and again
    wait_until(lambda: len(proxy.served(mode="replay")) >= 6, "six replayed answers")
    running.stop()
    assert sorted(stored(services, name)) == before
    assert checkpoint(services, name) == newest
    assert health(services, name)["state"] == "ok"
    with services.store.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.select(t.incidents.c.source_ref, t.incidents.c.status,
                                                                 t.incidents.c.version))] == cases


CREDENTIALS = {   # name → (connector options, what the server then expects, the setting the error names)
    "datex2": ({"username": "ndw", "password": "s3cret"}, "Basic bmR3OnMzY3JldA==", "CITYOPS_DATEX2_USERNAME"),
    "openaq": ({"api_key": "K-123"}, "K-123", "CITYOPS_OPENAQ_API_KEY"),
    "eido": ({"token": "T-456"}, "Bearer T-456", "CITYOPS_EIDO_TOKEN"),
}


def test_refused_credentials_are_named_and_right_ones_work(source, services, run):
    name, server, proxy, make, served = source
    options, expected, setting = CREDENTIALS[name]
    server.authorization = expected
    wrong = run(make(server.url, **POLLING), services)
    row = wait_until(lambda: (h := health(services, name))["consecutive_failures"] >= 1 and h, "a refusal")
    wrong.stop()
    assert "HTTP 401" in row["detail"] and f"refused the credentials: check {setting}" in row["detail"]
    assert stored(services, name) == [] and dead_letters(services, name) == []   # a refusal is no bad payload

    right = run(make(server.url, **options, **POLLING), services)
    wait_until(lambda: caught_up(services, name, served, server), "stored with credentials")
    right.stop()


def test_datex2_not_modified_is_nothing_new_not_a_failure(services, run):
    server = SourceServer(SOURCES["datex2"][0])
    try:
        running = run(Datex2Connector(server.url + "/datex2/measured.xml", **POLLING), services)
        wait_until(lambda: server.answers.count(304) >= 3, "three 304 answers")
        count = len(stored(services, "datex2"))
        server.advance()
        wait_until(lambda: len(stored(services, "datex2")) > count, "the next snapshot after it changed")
        running.stop()
        assert running.sink.reports[-1][0] is True and all(ok for ok, _ in running.sink.reports)
        assert any(detail == "not modified since the last poll" for _, detail in running.sink.reports)
    finally:
        server.close()


# -- GTFS-realtime alerts over real sockets: delivered when changed, ended when gone, never rolled back ----------
def alerts_feed(at: datetime, without: tuple[str, ...] = ()) -> bytes:
    message = text_format.Parse((FIX / "gtfs_rt" / "alerts.textproto").read_text(), gtfs_realtime_pb2.FeedMessage())
    message.header.timestamp = int(at.timestamp())
    kept = [e for e in message.entity if e.id not in without]
    del message.entity[:]
    message.entity.extend(kept)
    return message.SerializeToString()


def test_gtfs_rt_alerts_feed_changes_ends_and_replays(services, run):
    gone: list[str] = []
    server = SourceServer({"/gtfs-rt/alerts.pb": lambda at: alerts_feed(at, tuple(gone))})
    proxy = FaultProxy(server.url, hang_seconds=2.0)
    name = "gtfs_rt_alerts"

    def row(entity_id):
        with services.store.connect() as conn:
            return state.get_alert(conn, f"{name}:{entity_id}") or {}

    def header():
        return Checkpoint.load(checkpoint(services, name)).header
    try:
        running = run(GtfsRtConnector(proxy.url + "/gtfs-rt/alerts.pb", name=name, **POLLING), services)
        wait_until(lambda: row("A1").get("status") == "active" and row("A2").get("status") == "active"
                   and header() == int(server.at.timestamp()), "both alerts")
        assert row("A1")["headline_zh"] == "1路因暴雨严重延误" and row("A1")["severity"] == "Severe"
        server.advance()                                  # the same alerts in a newer feed: nothing new stored
        wait_until(lambda: header() == int(server.at.timestamp()), "the newer feed")
        assert len(stored(services, name)) == 2
        gone.append("A1")                                 # A1 leaves the feed: it is over
        server.advance()
        wait_until(lambda: row("A1").get("status") == "cancelled" and header() == int(server.at.timestamp()),
                   "A1 ended")
        newest = checkpoint(services, name)
        assert row("A2")["status"] == "active" and row("A1")["headline_en"].startswith("Route 1")

        proxy.set("replay")                               # the first feed again, A1 still in it
        wait_until(lambda: len(proxy.served(mode="replay")) >= 5, "five old feeds")
        running.stop()
        assert checkpoint(services, name) == newest       # never older than stored
        assert row("A1")["status"] == "cancelled" and row("A2")["status"] == "active"
        assert len(stored(services, name)) == 3           # A1, A2 and A1's end; the replays added nothing
        # the two invalid alerts, once per place in the feed they were named at (entity[2], then entity[1])
        dead = dead_letters(services, name)
        assert len({d["raw"] for d in dead}) == 2 and len(dead) == 4
        assert health(services, name)["state"] == "ok"
    finally:
        proxy.close()
        server.close()
