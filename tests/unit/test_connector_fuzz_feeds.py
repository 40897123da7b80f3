"""The parsers of issue 19 never crash (the pattern of test_connector_fuzz): CAP 1.0/1.1 and the Atom
and RSS indexes, CAP embedded in Atom, DATEX II streaming (plain and gzip), EIDO without an incident,
the SensorThings MQTT and plain MQTT device messages, GTFS-realtime differential feeds — whatever
they are given, they give events (and rejects) or raise the connector's own errors."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2
from hypothesis import HealthCheck, given, settings, strategies as st_

from connectors import cap, datex2, eido, gtfs_rt, mqtt_devices, mqtt_sta
from connectors.cap_index import parse_document, parse_index
from connectors.errors import ConnectorError
from connectors.parsing import Parsed
from dashboard.domain.events import Event

from tests.unit.test_connector_fuzz import check, json_values

DEVICES = mqtt_sta.parse_devices_setting("42=street_light@32.05,118.78:路灯, abc=underpass_water")
MAPPINGS = mqtt_devices.parse_mappings(json.dumps([
    {"topic": "city/+/state", "kind": "manhole_cover", "device": "{topic[1]}", "state": "$.s", "value": "$.v",
     "time": "$.t", "lat": "$.p[0]", "lon": "$.p[1]", "name": "$.n"}]))

PARSERS = {
    "cap": lambda d: cap.parse(d),
    "index": lambda d: parse_index(d, "http://127.0.0.1/"),
    "document": lambda d: parse_document(d),
    "datex2": lambda d: datex2.parse(d, max_bytes=100_000),
    "datex2_gzip": lambda d: datex2.parse(gzip.compress(d) if isinstance(d, bytes) else d, max_bytes=100_000),
    "eido": lambda d: eido.parse(d),
    "mqtt_sta": lambda d: mqtt_sta.parse("v1.1/Datastreams(42)/Observations", d, DEVICES),
    "mqtt_devices": lambda d: mqtt_devices.parse("city/L1/state", d, MAPPINGS),
}
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st_.sampled_from(sorted(PARSERS)), st_.binary(max_size=300))
def test_arbitrary_bytes(name, data):
    check(PARSERS[name], data)


@FUZZ
@given(st_.sampled_from(["mqtt_sta", "mqtt_devices", "eido"]), json_values)
def test_arbitrary_json(name, value):
    check(PARSERS[name], json.dumps(value, allow_nan=True))


@FUZZ
@given(st_.dictionaries(st_.sampled_from(["@iot.id", "phenomenonTime", "resultTime", "result"]),
                        st_.one_of(json_values, st_.sampled_from(["2025-06-11T08:00:00Z", "2025-06-11T08:00:00Z/"
                                                                  "2025-06-11T08:05:00Z", "fault", "0.3"])),
                        max_size=4))
def test_near_valid_observations(doc):
    check(PARSERS["mqtt_sta"], json.dumps(doc, allow_nan=True))


@FUZZ
@given(st_.dictionaries(st_.sampled_from(["s", "v", "t", "p", "n"]),
                        st_.one_of(json_values, st_.sampled_from([1749600000, 1749600000123, "2025-06-11T08:00:00Z",
                                                                  [32.0, 118.0], [200, 1], "tilted"])), max_size=5),
       st_.sampled_from(["city/L1/state", "city//state", "city/state", "other/L1/state"]))
def test_near_valid_device_messages(doc, topic):
    check(lambda d: mqtt_devices.parse(topic, d, MAPPINGS), json.dumps(doc, allow_nan=True))


words = st_.sampled_from(["Actual", "Alert", "Public", "Met", "Very Likely", "Likely", "Severe", "Immediate",
                          "fips6=006109", "=", "a=b=c", "", "2025-06-11T08:00:00Z", "x", "32,118 33,119 32,119 32,118"])


@FUZZ
@given(st_.sampled_from(["http://www.incident.com/cap/1.0", "urn:oasis:names:tc:emergency:cap:1.1"]),
       st_.dictionaries(st_.sampled_from(["identifier", "sender", "sent", "status", "msgType", "scope", "references"]),
                        words, max_size=7),
       st_.dictionaries(st_.sampled_from(["category", "event", "urgency", "severity", "certainty", "language",
                                          "parameter", "eventCode"]), words, max_size=8),
       st_.lists(st_.sampled_from(["<geocode>fips6=1</geocode>", "<geocode>x</geocode>",
                                   "<geocode><valueName>a</valueName></geocode>", "<areaDesc>a</areaDesc>",
                                   "<polygon>1,1 2,2 3,1 1,1</polygon>", "<circle>1,1 0</circle>"]), max_size=4))
def test_near_valid_older_cap(ns, head, info, area):
    def tags(d):
        return "".join(f"<{k}>{v}</{k}>" for k, v in d.items())
    doc = f'<alert xmlns="{ns}">{tags(head)}<info>{tags(info)}<area>{"".join(area)}</area></info></alert>'
    check(PARSERS["cap"], doc.encode())


@FUZZ
@given(st_.lists(st_.sampled_from([
    "<item><link>/a.xml</link></item>", "<item><guid>g</guid></item>",
    "<item><enclosure url='/b.xml' type='application/cap+xml'/><pubDate>nonsense</pubDate></item>",
    "<item><link>x</link><pubDate>Wed, 11 Jun 2025 09:00:00 GMT</pubDate></item>",
    "<item><link></link><enclosure/></item>"]), max_size=5))
def test_near_valid_rss(items):
    check(PARSERS["index"], f"<rss><channel>{''.join(items)}</channel></rss>".encode())


@FUZZ
@given(st_.lists(st_.sampled_from([
    "<entry><id>a</id><updated>2025-06-11T08:00:00Z</updated><link href='/x'/></entry>",
    "<entry><id>b</id><published>bad</published><link type='application/atom+xml' href='/y'/></entry>",
    "<entry><id>c</id><updated>2025-06-11T08:00:00Z</updated><content>&lt;alert&gt;</content></entry>",
    "<entry><id>d</id><updated>2025-06-11T08:00:00Z</updated><content><alert xmlns="
    "'urn:oasis:names:tc:emergency:cap:1.2'/></content></entry>",
    "<entry><updated>2025-06-11T08:00:00Z</updated><link href=''/></entry>"]), max_size=5))
def test_near_valid_atom(entries):
    check(PARSERS["index"], f"<feed xmlns='http://www.w3.org/2005/Atom'>{''.join(entries)}</feed>".encode())


@FUZZ
@given(st_.lists(st_.tuples(st_.sampled_from(["v1", "v2", "tu1", "", "x"]), st_.booleans(),
                            st_.sampled_from(["vehicle", "trip_update", "none"])), max_size=6),
       st_.booleans())
def test_differential_feeds_with_deletions(entities, full):
    message = gtfs_realtime_pb2.FeedMessage()
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = (gtfs_realtime_pb2.FeedHeader.FULL_DATASET if full
                                     else gtfs_realtime_pb2.FeedHeader.DIFFERENTIAL)
    message.header.timestamp = 1749600900
    for entity_id, deleted, part in entities:
        e = message.entity.add()
        e.id = entity_id
        e.is_deleted = deleted
        if part == "vehicle":
            text_format.Merge('vehicle { vehicle { id: "B" } position { latitude: 1 longitude: 2 } }', e)
        elif part == "trip_update":
            text_format.Merge('trip_update { trip { trip_id: "T" } }', e)
    feed = gtfs_rt.parse(message.SerializeToString())
    assert all(isinstance(e, Event) for e in feed)
    connector = gtfs_rt.GtfsRtConnector("http://feed")
    now = datetime.now(timezone.utc)
    _, state = connector._alerts_delta(feed, gtfs_rt.Checkpoint(), now)
    gone = connector._gone(feed, gtfs_rt.Checkpoint(vehicles={"v1": "B0"}, trips={"tu1": "T0"}), state, now)
    assert all(e.payload.get("gone") for e in gone)


def test_parsed_is_what_check_expects():
    assert isinstance(cap.parse((Path(__file__).parent.parent / "fixtures" / "cap" / "cap10_thunderstorm.xml")
                                .read_bytes()), Parsed)
    try:
        PARSERS["mqtt_sta"](b"")
    except ConnectorError:
        pass
