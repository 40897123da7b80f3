"""Every parse is total: whatever it is given, it returns events (and rejects) or raises the
connector's own ParseError / ConnectorError — never anything else."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st_

from connectors import cap, gtfs_rt, open311, sensorthings, traffic
from connectors.base import ConnectorError, Parsed
from dashboard.domain.events import Event

DATASTREAMS = {
    "1": sensorthings.Datastream("1", "10", "A01", "pm25", "µg/m³", 1.0, 32.0, 118.8),
    "2": sensorthings.Datastream("2", "10", "A01", "co", "ppm", 1.1456, None, None),
    "3": sensorthings.Datastream("3", "10", "A01", None, "°C", None),
}

PARSERS = {
    "open311": lambda d: open311.parse(d),
    "traffic": lambda d: traffic.parse(d),
    "gtfs_rt": lambda d: gtfs_rt.parse(d),
    "sensorthings": lambda d: sensorthings.parse(d, DATASTREAMS),
    "datastreams": lambda d: sensorthings.parse_datastreams(d),
    "things": lambda d: sensorthings.parse_things(d),
    "cap": lambda d: cap.parse(d),
    "atom": lambda d: cap.parse_index(d, "http://127.0.0.1/"),
}

scalars = st_.one_of(st_.none(), st_.booleans(), st_.integers(), st_.floats(allow_nan=True),
                     st_.text(max_size=30),
                     st_.sampled_from(["2025-06-11T08:00:00+08:00", "0001-01-01T00:00:00+08:00",
                                       "9999-12-31T23:59:59-12:00", "32.05", "1e400", "NaN", "-1", ""]))
KEYS = ["service_request_id", "status", "service_code", "requested_datetime", "updated_datetime", "lat",
        "long", "extended_attributes", "reporter_name", "code", "description", "type", "ts", "segments",
        "id", "speed_kmh", "flow_vph", "value", "@iot.id", "@iot.nextLink", "result", "phenomenonTime",
        "resultTime", "Datastream", "Thing", "ObservedProperty", "name", "unitOfMeasurement", "symbol",
        "properties", "station_id", "Locations", "location", "coordinates", "service_requests"]
json_values = st_.recursive(scalars, lambda inner: st_.one_of(
    st_.lists(inner, max_size=5), st_.dictionaries(st_.sampled_from(KEYS) | st_.text(max_size=5), inner, max_size=8)),
    max_leaves=40)


def check(parse, data) -> None:
    try:
        result = parse(data)
    except ConnectorError:
        return
    items = result[0] if isinstance(result, tuple) else result
    if isinstance(result, Parsed):
        assert all(isinstance(e, Event) for e in items)
        assert all(isinstance(r.reason, str) and r.reason for r in result.rejects)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st_.sampled_from(sorted(PARSERS)), st_.binary(max_size=300))
def test_arbitrary_bytes(name, data):
    check(PARSERS[name], data)


@FUZZ
@given(st_.sampled_from(sorted(PARSERS)), st_.text(max_size=300))
def test_arbitrary_text(name, data):
    check(PARSERS[name], data)


@FUZZ
@given(st_.sampled_from(sorted(PARSERS)), json_values)
def test_arbitrary_json(name, value):
    check(PARSERS[name], json.dumps(value, allow_nan=True))


request_items = st_.fixed_dictionaries(
    {"service_request_id": scalars, "status": scalars, "service_code": scalars, "requested_datetime": scalars},
    optional={"lat": scalars, "long": scalars, "updated_datetime": scalars,
              "extended_attributes": json_values, "description": scalars})


@FUZZ
@given(st_.lists(request_items, max_size=4))
def test_open311_near_valid_requests(items):
    check(PARSERS["open311"], json.dumps(items, allow_nan=True))


@FUZZ
@given(scalars, st_.lists(st_.fixed_dictionaries({"id": scalars}, optional={"speed_kmh": scalars,
                                                                              "flow_vph": scalars}), max_size=4))
def test_traffic_near_valid(ts, segments):
    check(PARSERS["traffic"], json.dumps({"type": "speeds", "ts": ts, "segments": segments}, allow_nan=True))


@FUZZ
@given(st_.lists(st_.fixed_dictionaries(
    {"@iot.id": scalars, "result": scalars, "phenomenonTime": scalars},
    optional={"resultTime": scalars, "Datastream": st_.fixed_dictionaries({"@iot.id": st_.sampled_from(
        ["1", "2", "3", "4", 1, None])})}), max_size=4), st_.one_of(st_.none(), scalars))
def test_sensorthings_near_valid(items, link):
    check(PARSERS["sensorthings"], json.dumps({"value": items, "@iot.nextLink": link}, allow_nan=True))


xml_text = st_.text(st_.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@FUZZ
@given(st_.lists(st_.tuples(st_.sampled_from(["identifier", "sender", "sent", "status", "msgType", "scope",
                                               "references"]), xml_text), max_size=8),
       st_.lists(st_.tuples(st_.sampled_from(["category", "event", "urgency", "severity", "certainty",
                                               "language", "expires", "headline"]), xml_text), max_size=8),
       st_.lists(st_.tuples(st_.sampled_from(["polygon", "circle", "areaDesc"]), xml_text), max_size=4))
def test_cap_near_valid(head, info, area):
    from xml.sax.saxutils import escape
    def tags(pairs):
        return "".join(f"<{k}>{escape(v)}</{k}>" for k, v in pairs)
    doc = (f'<alert xmlns="{cap.CAP_NS}">{tags(head)}<info>{tags(info)}<area>{tags(area)}</area></info></alert>')
    check(PARSERS["cap"], doc)


@FUZZ
@given(st_.lists(st_.tuples(st_.sampled_from(["latitude", "longitude", "bearing", "speed", "timestamp"]),
                            st_.one_of(st_.floats(width=32), st_.integers(0, 2 ** 64 - 1))), max_size=6))
def test_gtfs_near_valid(fields):
    from google.transit import gtfs_realtime_pb2
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    v = feed.entity.add(id="e").vehicle
    for name, value in fields:
        try:
            if name == "timestamp":
                v.timestamp = int(abs(value)) % 2 ** 64
            else:
                setattr(v.position, name, float(value))
        except (ValueError, TypeError, OverflowError):
            pass
    check(PARSERS["gtfs_rt"], feed.SerializePartialToString())   # required fields may be missing
