"""Connector run loops against real local servers (http.server and a websockets server on
127.0.0.1:0): paging, checkpoints, 500s, hangs, garbage, a failing sink, stop within a second."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors.base import RetryPolicy
from connectors.cap import CapConnector
from connectors.gtfs_rt import Checkpoint, GtfsRtConnector
from connectors.open311 import Open311Connector
from connectors.sensorthings import SensorThingsConnector
from connectors.traffic import TrafficConnector

FIX = Path(__file__).parent.parent / "fixtures"
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)


class RecordingSink:
    """A test double of connectors.base.IngestSink that records every call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list = []
        self.dead: list[tuple[str, object, str]] = []
        self.health: list[tuple[str, bool, str, int]] = []
        self.checkpoints: dict[str, str] = {}
        self.fail_ingest = 0

    def ingest(self, connector, events):
        with self.lock:
            if self.fail_ingest:
                self.fail_ingest -= 1
                raise RuntimeError("database is locked")
            self.events.extend(events)

    def dead_letter(self, connector, raw, reason):
        with self.lock:
            self.dead.append((connector, raw, reason))

    def load_checkpoint(self, connector):
        return self.checkpoints.get(connector)

    def save_checkpoint(self, connector, value):
        self.checkpoints[connector] = value

    def report_health(self, connector, ok, detail="", events=0):
        with self.lock:
            self.health.append((connector, ok, detail, events))

    def wait_for(self, predicate, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return
            time.sleep(0.01)
        raise AssertionError(f"condition not met in {timeout} s; health={self.health[-3:]} dead={self.dead[-3:]}")


class FeedServer:
    """routes: path → function(query) -> (status, content_type, body) | "hang"."""

    def __init__(self) -> None:
        self.routes: dict = {}
        self.requests: list[tuple[str, dict]] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                owner.requests.append((parts.path, query))
                route = owner.routes.get(parts.path)
                if route is None:
                    return self._send(404, "text/plain", b"no such path")
                answer = route(query)
                if answer == "hang":
                    owner.release.wait(30)
                    return
                self._send(*answer)

            def _send(self, status, ctype, body):
                body = body.encode() if isinstance(body, str) else body
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def hits(self, path: str) -> list[dict]:
        return [q for p, q in self.requests if p == path]

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def start(connector, sink):
    stop = threading.Event()
    thread = threading.Thread(target=connector.run, args=(stop, sink), daemon=True)
    thread.start()
    return stop, thread


def stop_quickly(stop, thread, within: float = 2.0) -> float:
    started = time.monotonic()
    stop.set()
    thread.join(within)
    assert not thread.is_alive(), f"run() did not end within {within} s of stop"
    return time.monotonic() - started


def ok(body, ctype="application/json"):
    return lambda q: (200, ctype, body)


def gtfs_body() -> bytes:
    text = (FIX / "gtfs_rt" / "vehicle_positions.textproto").read_text()
    return text_format.Parse(text, gtfs_realtime_pb2.FeedMessage()).SerializeToString()


# -- failures: 500s, hangs, garbage, a failing sink ---------------------------------------------
def test_500s_are_retried_reported_and_the_loop_recovers(server):
    server.routes["/feed.pb"] = lambda q: (500, "text/plain", b"boom")
    sink = RecordingSink()
    connector = GtfsRtConnector(server.url + "/feed.pb", poll_seconds=0.05, timeout=2, retry=FAST, max_backoff=0.1)
    stop, thread = start(connector, sink)
    sink.wait_for(lambda s: sum(1 for h in s.health if not h[1]) >= 2)
    assert len(server.hits("/feed.pb")) >= 4              # each poll tried twice
    assert "HTTP 500" in sink.health[0][2] and "/feed.pb" in sink.health[0][2]
    server.routes["/feed.pb"] = ok(gtfs_body(), "application/x-protobuf")
    sink.wait_for(lambda s: s.health and s.health[-1][1] and s.events)
    assert {e.payload["vehicle_id"] for e in sink.events if e.kind == "vehicle_position"} == {"BUS-101", "BUS-102"}
    assert {e.source_id for e in sink.events if e.kind == "trip_update"} == {"T1-0800"}
    assert Checkpoint.load(sink.checkpoints["gtfs_rt"]).header == 1749600900
    assert len(sink.dead) == 2                             # the two bad entities, once each
    stop_quickly(stop, thread)


def test_a_hanging_source_times_out(server):
    server.routes["/feed.pb"] = lambda q: "hang"
    sink = RecordingSink()
    connector = GtfsRtConnector(server.url + "/feed.pb", poll_seconds=0.05, timeout=0.3, retry=FAST, max_backoff=0.1)
    stop, thread = start(connector, sink)
    sink.wait_for(lambda s: s.health)
    assert sink.health[0][1] is False and "timed out after 0.3 s" in sink.health[0][2]
    stop_quickly(stop, thread)


def test_stop_ends_the_loop_during_a_hanging_request(server):
    server.routes["/feed.pb"] = lambda q: "hang"
    sink = RecordingSink()
    connector = GtfsRtConnector(server.url + "/feed.pb", poll_seconds=10, timeout=10)
    stop, thread = start(connector, sink)
    deadline = time.monotonic() + 3
    while not server.hits("/feed.pb") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stop_quickly(stop, thread, within=1.5) < 1.0
    assert sink.health == []   # stopping is not a failure


def test_stop_ends_the_loop_while_it_waits_between_polls(server):
    server.routes["/feed.pb"] = ok(gtfs_body())
    sink = RecordingSink()
    stop, thread = start(GtfsRtConnector(server.url + "/feed.pb", poll_seconds=60), sink)
    sink.wait_for(lambda s: s.health)
    assert stop_quickly(stop, thread) < 0.5


def test_garbage_is_dead_lettered_once_and_reported(server):
    server.routes["/feed.pb"] = ok(b"\x00\xffthis is not protobuf\xff" * 3)
    sink = RecordingSink()
    stop, thread = start(GtfsRtConnector(server.url + "/feed.pb", poll_seconds=0.02, retry=FAST, max_backoff=0.05),
                         sink)
    sink.wait_for(lambda s: len(s.health) >= 3)
    stop_quickly(stop, thread)
    assert len(sink.dead) == 1 and sink.dead[0][1].startswith(b"\x00\xff")
    assert all(not h[1] and "not a GTFS-realtime FeedMessage" in h[2] for h in sink.health)


def test_a_failing_sink_does_not_kill_the_loop(server):
    server.routes["/feed.pb"] = ok(gtfs_body())
    sink = RecordingSink()
    sink.fail_ingest = 1
    stop, thread = start(GtfsRtConnector(server.url + "/feed.pb", poll_seconds=0.02, retry=FAST, max_backoff=0.05),
                         sink)
    sink.wait_for(lambda s: s.events)
    stop_quickly(stop, thread)
    assert sink.health[0][1] is False and "database is locked" in sink.health[0][2]
    assert "gtfs_rt" in sink.checkpoints


def test_unchanged_gtfs_feed_is_not_ingested_again(server):
    server.routes["/feed.pb"] = ok(gtfs_body())
    sink = RecordingSink()
    connector = GtfsRtConnector(server.url + "/feed.pb", retry=FAST)
    assert connector.poll(sink)[0] == 3          # two vehicles and a trip update
    assert connector.poll(sink) == (0, "feed unchanged since the last poll")
    assert len(sink.events) == 3


# -- Open311 ----------------------------------------------------------------------------------
def _request(i: int, updated: datetime) -> dict:
    return {"service_request_id": f"R{i}", "status": "open", "service_code": "0503", "service_name": "积水",
            "requested_datetime": (updated - timedelta(minutes=5)).isoformat(),
            "updated_datetime": updated.isoformat(), "lat": 32.05, "long": 118.8,
            "extended_attributes": {"reporter_name": "李", "reporter_phone": "139"}}


def test_open311_pages_through_the_window_and_keeps_a_checkpoint(server):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    items = [_request(i, now - timedelta(minutes=30 - i)) for i in range(5)]
    items.insert(3, {"service_request_id": "broken", "status": "open"})

    def requests_json(q):
        page, size = int(q["page"]), int(q["page_size"])
        return 200, "application/json", json.dumps(items[(page - 1) * size: page * size])
    server.routes["/open311/v2/requests.json"] = requests_json
    sink = RecordingSink()
    connector = Open311Connector(server.url + "/open311/v2", api_key="k1", page_size=2, retry=FAST)
    count, detail = connector.poll(sink)
    assert count == 5 and detail == "5 requests, 1 rejected"
    hits = server.hits("/open311/v2/requests.json")
    assert [q["page"] for q in hits] == ["1", "2", "3", "4"]    # the 4th page is empty
    assert all(q["api_key"] == "k1" and q["extensions"] == "true" and "updated_after" in q for q in hits)
    assert "updated_before" not in hits[0]                      # the last window is open-ended
    assert sink.dead[0][2] == "page 2: requests[1].service_code: missing" and '"broken"' in sink.dead[0][1]
    assert sink.checkpoints["open311"] == (now - timedelta(minutes=26)).isoformat().replace("+00:00", "Z")
    assert sink.events[0].payload["reporter_name"] == "李"
    connector.poll(sink)
    after = server.hits("/open311/v2/requests.json")[-1]["updated_after"]
    assert datetime.fromisoformat(after) == now - timedelta(minutes=26)   # start_date = checkpoint


def test_open311_walks_day_windows_from_an_old_checkpoint(server):
    server.routes["/open311/v2/requests.json"] = ok("[]")
    sink = RecordingSink()
    old = datetime.now(timezone.utc) - timedelta(days=2, hours=12)
    sink.checkpoints["open311"] = old.isoformat()
    Open311Connector(server.url + "/open311/v2", window_field="requested", retry=FAST).poll(sink)
    hits = server.hits("/open311/v2/requests.json")
    assert len(hits) == 3 and "end_date" in hits[0] and "end_date" in hits[1] and "end_date" not in hits[2]
    assert hits[1]["start_date"] == hits[0]["end_date"]
    # the finished windows are done with: the checkpoint moved to the end of the second one
    assert datetime.fromisoformat(sink.checkpoints["open311"]) > old + timedelta(days=1, hours=23)


def test_open311_403_is_reported_as_bad_api_key_without_retry(server):
    server.routes["/open311/v2/requests.json"] = lambda q: (
        403, "application/json", (FIX / "open311" / "spec_error_403.json").read_bytes())
    sink = RecordingSink()
    stop, thread = start(Open311Connector(server.url + "/open311/v2", poll_seconds=0.05, retry=FAST,
                                          max_backoff=0.05), sink)
    sink.wait_for(lambda s: s.health)
    stop_quickly(stop, thread)
    assert sink.health[0][1] is False
    assert sink.health[0][2].startswith("Open311 bad API key (403): Invalid api_key received")
    assert sink.dead == []
    assert len(server.hits("/open311/v2/requests.json")) <= len(sink.health) + 1   # 4xx: not retried


def test_open311_xml_format(server):
    server.routes["/open311/v2/requests.xml"] = ok((FIX / "open311" / "spec_requests.xml").read_bytes(), "text/xml")
    sink = RecordingSink()
    Open311Connector(server.url + "/open311/v2", fmt="xml", retry=FAST, lookback=timedelta(days=10000),
                     window=timedelta(days=20000)).poll(sink)
    assert [e.source_id for e in sink.events] == ["638344", "638349"]


# -- SensorThings -------------------------------------------------------------------------------
def _sta_routes(server: FeedServer, extra_datastream: dict | None = None) -> None:
    base = server.url + "/sta/v1.1"
    streams = json.loads((FIX / "sensorthings" / "datastreams.json").read_text())["value"][:5]
    if extra_datastream:
        streams.append(extra_datastream)
    server.routes["/sta/v1.1/Datastreams"] = lambda q: (200, "application/json", json.dumps(
        {"value": streams[:3], "@iot.nextLink": f"{base}/Datastreams?$skip=3"} if "$skip" not in q
        else {"value": streams[3:]}))
    server.routes["/sta/v1.1/Things"] = ok((FIX / "sensorthings" / "things.json").read_bytes())
    page1 = json.loads((FIX / "sensorthings" / "observations_page1.json").read_text())
    page1["@iot.nextLink"] = f"{base}/Observations?$skip=3&$top=3"
    page2 = json.loads((FIX / "sensorthings" / "observations_page2.json").read_text())
    page2["@iot.nextLink"] = "Observations?$skip=11"             # a relative link, resolved
    page3 = {"value": [{"@iot.id": 2001, "phenomenonTime": "2025-06-11T08:20:00+08:00", "result": "33.5",
                        "Datastream": {"@iot.id": 7}}]}
    pages = {None: page1, "3": page2, "11": page3}
    server.routes["/sta/v1.1/Observations"] = lambda q: (200, "application/json", json.dumps(pages[q.get("$skip")]))


def test_sensorthings_follows_next_links_caches_datastreams_and_refreshes_for_new_ones(server):
    _sta_routes(server)
    sink = RecordingSink()
    sink.checkpoints["sensorthings"] = "2025-06-10T00:00:00Z"
    connector = SensorThingsConnector(server.url + "/sta/v1.1", retry=FAST)
    count, detail = connector.poll(sink)
    assert len(server.hits("/sta/v1.1/Observations")) == 3
    first = server.hits("/sta/v1.1/Observations")[0]
    assert first["$orderby"] == "phenomenonTime asc" and first["$expand"] == "Datastream"
    assert first["$filter"] == "phenomenonTime gt 2025-06-10T00:00:00Z"
    assert [e.source_id for e in sink.events] == ["1001", "1002", "1003", "1011"]
    co = sink.events[2]
    assert (co.lat, co.lon) == (32.0312, 118.8105)   # the Thing's Location, fetched from /Things
    # Datastream 77 and 7 are unknown: the Datastreams were fetched again once, in that poll
    assert len(server.hits("/sta/v1.1/Datastreams")) == 4   # 2 pages, twice
    assert any("Datastream 7 is not among" in d[2] for d in sink.dead)
    # the newest phenomenonTime seen, dead-lettered readings included (they are dealt with)
    assert sink.checkpoints["sensorthings"] == "2025-06-11T00:20:00Z"

    _sta_routes(server, {"@iot.id": 7, "unitOfMeasurement": {"symbol": "µg/m³"},
                         "Thing": {"@iot.id": 10, "properties": {"station_id": "A01"}},
                         "ObservedProperty": {"name": "pm2_5"}})
    connector.poll(sink)
    assert server.hits("/sta/v1.1/Observations")[3]["$filter"] == "phenomenonTime gt 2025-06-11T00:20:00Z"
    assert len(server.hits("/sta/v1.1/Datastreams")) == 6   # refreshed once more for Datastream 7
    new = [e for e in sink.events if e.source_id == "2001"]
    assert new and new[0].payload["value"] == 33.5 and new[0].payload["pollutant"] == "pm25"


def test_sensorthings_next_link_loop_ends(server):
    base = server.url + "/sta/v1.1"
    server.routes["/sta/v1.1/Datastreams"] = ok(json.dumps({"value": []}))
    server.routes["/sta/v1.1/Observations"] = ok(json.dumps({"value": [], "@iot.nextLink": f"{base}/Observations?x=1"}))
    sink = RecordingSink()
    SensorThingsConnector(base, retry=FAST).poll(sink)
    assert len(server.hits("/sta/v1.1/Observations")) == 2   # the repeated link is not followed again


# -- CAP ------------------------------------------------------------------------------------------
def _atom(base: str, entries: list[tuple[str, str]]) -> str:
    body = "".join(
        f'<entry><id>{ident}</id><updated>{updated}</updated><title>{ident}</title>'
        f'<link rel="alternate" type="application/cap+xml" href="{base}/cap/alerts/{ident}.xml"/></entry>'
        for ident, updated in entries)
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id>{body}</feed>'


def test_cap_fetches_only_the_alerts_it_has_not_seen(server):
    docs = {"LH-MET-20250611-0007": (FIX / "cap" / "lanhai_rainstorm_red.xml").read_bytes(),
            "KSTO1055887203": (FIX / "cap" / "spec_a2_thunderstorm.xml").read_bytes(),
            "LH-MET-20250611-0009": (FIX / "cap" / "lanhai_cancel.xml").read_bytes()}
    entries = [("LH-MET-20250611-0007", "2025-06-11T09:30:00+08:00"), ("KSTO1055887203", "2025-06-11T09:40:00+08:00"),
               ("MISSING", "2025-06-11T09:45:00+08:00")]
    server.routes["/cap/alerts.atom"] = lambda q: (200, "application/atom+xml", _atom(server.url, entries))
    for ident, doc in docs.items():
        server.routes[f"/cap/alerts/{ident}.xml"] = ok(doc, "application/cap+xml")
    sink = RecordingSink()
    connector = CapConnector(server.url + "/cap/alerts.atom", retry=FAST)
    assert connector.poll(sink) == (2, "2 alerts, 1 rejected")
    assert [e.source_id for e in sink.events] == ["LH-MET-20250611-0007", "KSTO1055887203"]   # oldest first
    assert "HTTP 404" in sink.dead[0][2] and "MISSING" in sink.dead[0][1]
    assert sink.checkpoints["cap"] == "2025-06-11T01:45:00Z"
    connector.poll(sink)
    assert len(server.hits("/cap/alerts/LH-MET-20250611-0007.xml")) == 1   # not fetched again
    entries.insert(0, ("LH-MET-20250611-0009", "2025-06-11T15:00:00+08:00"))   # newest first, like the demo
    connector.poll(sink)
    assert sink.events[-1].payload["msg_type"] == "Cancel"
    assert len(server.hits("/cap/alerts/KSTO1055887203.xml")) == 1
    assert len(sink.dead) == 1


def test_cap_restart_from_checkpoint_skips_older_alerts(server):
    entries = [("A", "2025-06-11T09:30:00+08:00"), ("B", "2025-06-11T10:30:00+08:00")]
    server.routes["/cap/alerts.atom"] = lambda q: (200, "application/atom+xml", _atom(server.url, entries))
    server.routes["/cap/alerts/B.xml"] = ok((FIX / "cap" / "spec_a1_homeland_security.xml").read_bytes())
    sink = RecordingSink()
    sink.checkpoints["cap"] = "2025-06-11T02:00:00Z"
    CapConnector(server.url + "/cap/alerts.atom", retry=FAST).poll(sink)
    assert server.hits("/cap/alerts/A.xml") == [] and len(server.hits("/cap/alerts/B.xml")) == 1


def test_cap_bad_alert_is_dead_lettered_and_the_rest_ingested(server):
    entries = [("BAD", "2025-06-11T09:30:00+08:00"), ("GOOD", "2025-06-11T10:30:00+08:00")]
    server.routes["/cap/alerts.atom"] = lambda q: (200, "application/atom+xml", _atom(server.url, entries))
    server.routes["/cap/alerts/BAD.xml"] = ok((FIX / "cap" / "billion_laughs.xml").read_bytes())
    server.routes["/cap/alerts/GOOD.xml"] = ok((FIX / "cap" / "spec_a1_homeland_security.xml").read_bytes())
    sink = RecordingSink()
    assert CapConnector(server.url + "/cap/alerts.atom", retry=FAST).poll(sink)[0] == 1
    assert "DOCTYPE" in sink.dead[0][2]


# -- the traffic stream ---------------------------------------------------------------------------
class WsServer:
    def __init__(self, script) -> None:
        from websockets.sync.server import serve
        self.connections = 0
        self.done = threading.Event()   # handlers that "stay quiet" wait on this

        def handler(ws):
            self.connections += 1
            script(ws, self.connections)

        self.server = serve(handler, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/speeds"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.done.set()
        self.server.shutdown()


def _speeds(ts: str) -> str:
    return json.dumps({"type": "speeds", "ts": ts, "seq": 1,
                       "segments": [{"id": "S0001", "speed_kmh": 40.0, "flow_vph": 900}, {"id": ""}]})


def test_traffic_stream_reads_dead_letters_reconnects_and_stops():
    def script(conn, n):
        conn.send(_speeds(f"2025-06-11T00:00:0{n}Z"))
        conn.send("garbage")
        if n >= 3:
            ws.done.wait(30)   # then stay connected and quiet
    ws = WsServer(script)
    sink = RecordingSink()
    connector = TrafficConnector(ws.url, timeout=2, reconnect=RetryPolicy(base_delay=0.02, max_delay=0.05))
    stop, thread = start(connector, sink)
    try:
        sink.wait_for(lambda s: len(s.events) >= 3)
        assert ws.connections >= 3
        assert [e.source_id for e in sink.events[:3]] == [f"S0001@2025-06-11T00:00:0{n}Z" for n in (1, 2, 3)]
        assert sink.checkpoints["traffic"] == "2025-06-11T00:00:03Z"
        reasons = [d[2] for d in sink.dead]
        assert reasons.count("message: not JSON: Expecting value at line 1 column 1") == 1   # once, not per repeat
        assert "segments[1].id: missing" in reasons
        assert any(not h[1] and h[2].startswith("bad message") for h in sink.health)
        assert stop_quickly(stop, thread) < 1.5
    finally:
        ws.close()


def test_traffic_idle_stream_is_reported_and_reconnected():
    ws = WsServer(lambda w, n: ws.done.wait(30))
    sink = RecordingSink()
    connector = TrafficConnector(ws.url, timeout=2, idle_seconds=0.3,
                                 reconnect=RetryPolicy(base_delay=0.02, max_delay=0.05))
    stop, thread = start(connector, sink)
    try:
        sink.wait_for(lambda s: len(s.health) >= 2)
        assert sink.health[0] == ("traffic", False, "no message for 0.3 s", 0)
        assert ws.connections >= 2
        assert stop_quickly(stop, thread) < 1.5
    finally:
        ws.close()


def test_traffic_unreachable_source_is_reported_and_stop_is_quick():
    import socket
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = RecordingSink()
    connector = TrafficConnector(f"ws://127.0.0.1:{port}/speeds", timeout=1,
                                 reconnect=RetryPolicy(base_delay=0.02, max_delay=0.05))
    stop, thread = start(connector, sink)
    sink.wait_for(lambda s: len(s.health) >= 3)
    assert all(not h[1] for h in sink.health)
    assert stop_quickly(stop, thread) < 1.0
