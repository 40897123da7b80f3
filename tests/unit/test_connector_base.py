"""The shared base: results, errors, retry policy, dead-letter dedupe, XML safety, build_connectors."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from connectors import build_connectors
from connectors.base import (Connector, ConnectorError, ParseError, Parsed, Reject, RetryPolicy,
                             SourceUnavailable, Stopped)
from connectors.cap import CapConnector
from connectors.gtfs_rt import GtfsRtConnector
from connectors.http import call_interruptibly, public_url
from connectors.open311 import Open311Connector
from connectors.sensorthings import SensorThingsConnector
from connectors.traffic import TrafficConnector
from connectors.xml_safe import parse_xml
from dashboard.config import Settings


class RecordingSink:
    def __init__(self):
        self.calls = []

    def ingest(self, connector, events):
        self.calls.append(("ingest", connector, list(events)))

    def dead_letter(self, connector, raw, reason):
        self.calls.append(("dead_letter", connector, raw, reason))

    def load_checkpoint(self, connector):
        return None

    def save_checkpoint(self, connector, value):
        self.calls.append(("save_checkpoint", connector, value))

    def report_health(self, connector, ok, detail="", events=0):
        self.calls.append(("report_health", connector, ok, detail, events))


def test_parse_error_has_where():
    err = ParseError("not a number", "requests[3].lat")
    assert str(err) == "requests[3].lat: not a number" and err.where == "requests[3].lat"
    assert isinstance(err, ConnectorError) and issubclass(SourceUnavailable, ConnectorError)


def test_parsed_is_a_list_with_rejects():
    parsed = Parsed([], [Reject("raw", "why")])
    assert parsed == [] and isinstance(parsed, list) and parsed.rejects[0].reason == "why"


def test_retry_policy_full_jitter_capped():
    policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    for failures, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0), (1000, 8.0)]:
        delays = [policy.delay(failures, rng) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8   # the whole range is used
    assert policy.delay(0, rng) <= 1.0


def test_deliver_dead_letters_each_reject_once_and_ingests_the_rest():
    sink = RecordingSink()
    c = Connector("x")
    parsed = Parsed([], [Reject("a", "bad a"), Reject("b", "bad b")])
    assert c.deliver(sink, parsed) == 0
    c.deliver(sink, parsed)   # the same bad records seen again: not dead-lettered twice
    assert [call[2:] for call in sink.calls] == [("a", "bad a"), ("b", "bad b")]


def test_report_never_raises():
    class Broken(RecordingSink):
        def report_health(self, *a, **k):
            raise RuntimeError("database down")
    Connector("x").report(Broken(), True)


def test_call_interruptibly_returns_raises_and_stops():
    stop = threading.Event()
    assert call_interruptibly(lambda: 42, stop, 5) == 42
    with pytest.raises(KeyError):
        call_interruptibly(lambda: {}["x"], stop, 5)
    with pytest.raises(SourceUnavailable, match="no answer within 0.2 s"):
        call_interruptibly(lambda: time.sleep(2), stop, 0.2)
    closed = []
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        call_interruptibly(lambda: (time.sleep(0.4), "conn")[1], stop, 5, on_abandon=closed.append)
    assert time.monotonic() - started < 0.35
    time.sleep(0.5)
    assert closed == ["conn"]   # the late result is cleaned up


def test_public_url_hides_the_query():
    assert public_url("http://h:1/open311/v2/requests.json?api_key=secret") == "http://h:1/open311/v2/requests.json"


def test_xml_safe_refuses_dtd_and_reports_position():
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_xml(b'<!DOCTYPE a SYSTEM "http://x/a.dtd"><a/>')
    with pytest.raises(ParseError, match="line 2 column"):
        parse_xml(b"<a>\n<b></a>")
    assert parse_xml("<a>中文</a>").text == "中文"


ENDPOINTS = SimpleNamespace(open311_url="http://127.0.0.1:1/open311/v2", traffic_ws_url="ws://127.0.0.1:1/speeds",
                            gtfs_rt_url="http://127.0.0.1:1/gtfs-rt/vehicle-positions.pb",
                            sensorthings_url="http://127.0.0.1:1/sta/v1.1",
                            cap_url="http://127.0.0.1:1/cap/alerts.atom")


def test_build_connectors_all_from_the_demo_endpoints():
    settings = replace(Settings(), http_timeout=3.0, poll_seconds=7.0, open311_api_key="k")
    built = build_connectors(settings, ENDPOINTS)
    assert [type(c) for c in built] == [Open311Connector, TrafficConnector, GtfsRtConnector,
                                        SensorThingsConnector, CapConnector]
    assert [c.name for c in built] == ["open311", "traffic", "gtfs_rt", "sensorthings", "cap"]
    assert all(c.timeout == 3.0 for c in built)
    assert built[0].poll_seconds == 7.0 and built[0].api_key == "k"
    assert built[0].url == "http://127.0.0.1:1/open311/v2/requests.json"
    assert built[1].url == "ws://127.0.0.1:1/speeds"


def test_build_connectors_settings_win_and_selection():
    settings = replace(Settings(), connectors=" cap , gtfs_rt,cap", cap_url="http://city/cap.atom")
    built = build_connectors(settings, ENDPOINTS)
    assert [c.name for c in built] == ["cap", "gtfs_rt"]
    assert built[0].index_url == "http://city/cap.atom"
    assert build_connectors(replace(Settings(), connectors=""), ENDPOINTS) == []


def test_build_connectors_errors():
    with pytest.raises(ValueError, match="unknown connector.*weather"):
        build_connectors(replace(Settings(), connectors="open311,weather"), ENDPOINTS)
    with pytest.raises(ValueError, match="CITYOPS_OPEN311_URL"):
        build_connectors(replace(Settings(), connectors="open311"), None)


def test_build_connectors_the_optional_ones_with_their_settings():
    from connectors import DEFAULT_SELECTION
    from connectors.datex2 import Datex2Connector
    from connectors.eido import EidoConnector
    from connectors.openaq import OpenAQConnector
    assert ",".join(DEFAULT_SELECTION) == Settings().connectors
    settings = replace(Settings(), poll_seconds=7.0, http_timeout=2.0,
                       datex2_url="http://ndw/measurement.xml", datex2_username="u", datex2_password="p",
                       openaq_url="http://aq/v3", openaq_api_key="K", openaq_locations="2178=A01, 8118",
                       eido_url="http://psap/eido", eido_token="T", eido_poll_seconds=3.0,
                       gtfs_rt_alerts_url="http://bus/alerts.pb")
    built = build_connectors(settings, ENDPOINTS)   # the default selection: configured ones join in
    extra = {c.name: c for c in built[5:]}
    assert list(extra) == ["gtfs_rt_alerts", "datex2", "openaq", "eido"]
    assert isinstance(extra["gtfs_rt_alerts"], GtfsRtConnector) and extra["gtfs_rt_alerts"].url == "http://bus/alerts.pb"
    datex, aq, eido = extra["datex2"], extra["openaq"], extra["eido"]
    assert isinstance(datex, Datex2Connector) and datex.headers["Authorization"] == "Basic dTpw"
    assert datex.poll_seconds == 7.0 and datex.timeout == 2.0                 # 0: the common interval
    assert isinstance(aq, OpenAQConnector) and aq.headers["X-API-Key"] == "K" and aq.poll_seconds == 60.0
    assert aq.station_ids == {"2178": "A01", "8118": "8118"} and aq.base_url == "http://aq/v3"
    assert isinstance(eido, EidoConnector) and eido.headers["Authorization"] == "Bearer T" and eido.poll_seconds == 3.0
    only = build_connectors(replace(settings, connectors="open311"), ENDPOINTS)   # an explicit list is kept
    assert [c.name for c in only] == ["open311"]
    with pytest.raises(ValueError, match="CITYOPS_DATEX2_URL"):
        build_connectors(replace(Settings(), connectors="datex2"), ENDPOINTS)
    with pytest.raises(ValueError, match="CITYOPS_OPENAQ_LOCATIONS"):
        build_connectors(replace(Settings(), connectors="openaq", openaq_url="http://aq/v3"), ENDPOINTS)
    with pytest.raises(ValueError, match="repeated"):
        build_connectors(replace(settings, openaq_locations="1,1"), ENDPOINTS)
