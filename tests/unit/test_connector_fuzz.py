"""Every parse is total: whatever it is given, it returns events (and rejects) or raises the
connector's own ParseError / ConnectorError — never anything else."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st_

from connectors import cap, datex2, eido, formats, gtfs_rt, open311, openaq, sensorthings, traffic
from connectors.base import ConnectorError, Parsed
from dashboard.domain.events import Event

DATASTREAMS = {
    "1": sensorthings.Datastream("1", "10", "A01", "pm25", "µg/m³", 1.0, 32.0, 118.8),
    "2": sensorthings.Datastream("2", "10", "A01", "co", "ppm", 1.1456, None, None),
    "3": sensorthings.Datastream("3", "10", "A01", None, "°C", None),
}

LOCATION = openaq.Location("2178", "Del Norte", 35.1, -106.5, {
    "1": openaq.Sensor("1", "pm25", "pm25", "µg/m³", 1.0),
    "2": openaq.Sensor("2", "co", "co", "ppm", 1.1456),
    "3": openaq.Sensor("3", "temperature", None, "c", None),
    "4": openaq.Sensor("4", "pm10", "pm10", "particles/cm³", None),
})

PARSERS = {
    "open311": lambda d: open311.parse(d),
    "traffic": lambda d: traffic.parse(d),
    "gtfs_rt": lambda d: gtfs_rt.parse(d),
    "sensorthings": lambda d: sensorthings.parse(d, DATASTREAMS),
    "datastreams": lambda d: sensorthings.parse_datastreams(d),
    "things": lambda d: sensorthings.parse_things(d),
    "cap": lambda d: cap.parse(d),
    "atom": lambda d: cap.parse_index(d, "http://127.0.0.1/"),
    "datex2": lambda d: datex2.parse(d),
    "openaq": lambda d: openaq.parse(d, LOCATION),
    "openaq_location": lambda d: openaq.parse_location(d),
    "openaq_joined": lambda d: openaq.parse_joined(d),
    "eido": lambda d: eido.parse(d),
    "sensorthings_inline": lambda d: formats.sensorthings_inline(d),
}

scalars = st_.one_of(st_.none(), st_.booleans(), st_.integers(), st_.floats(allow_nan=True),
                     st_.text(max_size=30),
                     st_.sampled_from(["2025-06-11T08:00:00+08:00", "0001-01-01T00:00:00+08:00",
                                       "9999-12-31T23:59:59-12:00", "32.05", "1e400", "NaN", "-1", ""]))
KEYS = ["service_request_id", "status", "service_code", "requested_datetime", "updated_datetime", "lat",
        "long", "extended_attributes", "reporter_name", "code", "description", "type", "ts", "segments",
        "id", "speed_kmh", "flow_vph", "value", "@iot.id", "@iot.nextLink", "result", "phenomenonTime",
        "resultTime", "Datastream", "Thing", "ObservedProperty", "name", "unitOfMeasurement", "symbol",
        "properties", "station_id", "Locations", "location", "coordinates", "service_requests",
        "results", "sensors", "parameter", "units", "sensorsId", "locationsId", "datetime", "utc", "latitude",
        "longitude", "latest", "incidentComponent", "incidentTrackingIdentifier", "lastUpdateTimeStamp",
        "locationComponent", "locationReference", "$ref", "$id", "locationByValue", "notesComponent",
        "incidentTypeCommonRegistryText", "incidentStatusCommonRegistryText", "callComponent", "callStartTimestamp"]
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


@FUZZ
@given(st_.lists(st_.fixed_dictionaries(
    {"sensorsId": st_.one_of(st_.sampled_from([1, 2, 3, 4, "1", 99]), scalars), "value": scalars},
    optional={"datetime": st_.one_of(scalars, st_.fixed_dictionaries({}, optional={"utc": scalars, "local": scalars})),
              "locationsId": st_.one_of(st_.just(2178), scalars),
              "coordinates": st_.one_of(scalars, st_.fixed_dictionaries({"latitude": scalars, "longitude": scalars}))}),
    max_size=4))
def test_openaq_near_valid(results):
    check(PARSERS["openaq"], json.dumps({"meta": {}, "results": results}, allow_nan=True))


@FUZZ
@given(st_.lists(st_.fixed_dictionaries({"id": scalars}, optional={"parameter": st_.one_of(
    scalars, st_.fixed_dictionaries({"name": st_.one_of(st_.sampled_from(["pm25", "co", "o3", "temperature"]), scalars),
                                     "units": st_.one_of(st_.sampled_from(["µg/m³", "ppm", "ppb", "c"]), scalars)}))}),
    max_size=4), scalars, scalars)
def test_openaq_location_near_valid(sensors, lat, lon):
    doc = {"results": [{"id": 7, "sensors": sensors, "coordinates": {"latitude": lat, "longitude": lon}}]}
    check(PARSERS["openaq_location"], json.dumps(doc, allow_nan=True))
    check(PARSERS["openaq_joined"], json.dumps({"location": doc, "latest": {"results": []}}, allow_nan=True))


places = st_.one_of(scalars, json_values, st_.sampled_from([
    '<presence xmlns:gml="http://www.opengis.net/gml"><gml:Point><gml:pos>32.05 118.8</gml:pos></gml:Point></presence>',
    '<presence xmlns:gml="http://www.opengis.net/gml"><gml:Polygon><gml:posList>1 2 3</gml:posList></gml:Polygon>'
    '</presence>',
    '<p><gml:pos xmlns:gml="http://www.opengis.net/gml">x y</gml:pos></p>', '{"type": "Point", "coordinates": [1]}',
    '{"type": "Feature", "geometry": null}', "<civicAddress><RD>a</RD></civicAddress>", "<unclosed>"]))


@FUZZ
@given(st_.fixed_dictionaries(
    {"incidentTrackingIdentifier": scalars},
    optional={"lastUpdateTimeStamp": scalars, "incidentTypeCommonRegistryText": st_.one_of(scalars, json_values),
              "incidentStatusCommonRegistryText": st_.one_of(scalars, json_values),
              "incidentCommonPriorityNumber": scalars, "locationReference": st_.one_of(
                  scalars, st_.sampled_from([{"$ref": "l1"}, [{"$ref": "#l1"}], "l1", [{"$ref": 5}]])),
              "notesReference": json_values}),
    st_.lists(st_.fixed_dictionaries({"$id": st_.sampled_from(["l1", "l2", 3])}, optional={"locationByValue": places}),
              max_size=3),
    st_.one_of(scalars, st_.lists(st_.fixed_dictionaries({"callStartTimestamp": scalars}), max_size=2)))
def test_eido_near_valid(incident, locations, calls):
    doc = {"lastUpdateTimeStamp": "2025-06-11T08:00:00+08:00", "incidentComponent": incident,
           "locationComponent": locations, "callComponent": calls}
    check(PARSERS["eido"], json.dumps(doc, allow_nan=True))
    check(PARSERS["eido"], json.dumps([doc, incident], allow_nan=True))


@FUZZ
@given(st_.lists(st_.tuples(st_.sampled_from(["TrafficSpeed", "TrafficFlow", "roa:TrafficSpeed", "TrafficHeadway", ""]),
                            xml_text, st_.sampled_from(["", "0", "3", "x"]), st_.sampled_from(["", "true", "false"])),
                 max_size=5),
       st_.sampled_from(["S1", ""]), xml_text)
def test_datex2_near_valid(values, site, when):
    from xml.sax.saxutils import escape, quoteattr
    measured = "".join(
        f'<measuredValue index="{k}"><measuredValue><basicData{f" xsi:type={quoteattr(kind)}" if kind else ""}>'
        + (f'<averageVehicleSpeed numberOfInputValuesUsed="{n}" dataError="{err}"><speed>{escape(v)}</speed>'
           f'</averageVehicleSpeed>' if "Speed" in kind else
           f'<vehicleFlow dataError="{err}"><vehicleFlowRate>{escape(v)}</vehicleFlowRate></vehicleFlow>')
        + "</basicData></measuredValue></measuredValue>" for k, (kind, v, n, err) in enumerate(values))
    doc = ('<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
           '<payloadPublication xsi:type="MeasuredDataPublication"><siteMeasurements>'
           f'<measurementSiteReference id={quoteattr(site)}/><measurementTimeDefault>{escape(when)}'
           f'</measurementTimeDefault>{measured}</siteMeasurements></payloadPublication></d2LogicalModel>')
    check(PARSERS["datex2"], doc)


@FUZZ
@given(st_.lists(st_.fixed_dictionaries({"@iot.id": scalars, "result": scalars, "phenomenonTime": scalars},
                                        optional={"Datastream": json_values}), max_size=4))
def test_sensorthings_inline_near_valid(items):
    check(PARSERS["sensorthings_inline"], json.dumps({"value": items}, allow_nan=True))


stop_event_fields = st_.lists(st_.tuples(st_.sampled_from(["delay", "time", "uncertainty", "scheduled_time"]),
                                         st_.integers(-2 ** 63, 2 ** 63 - 1)), max_size=4)


@FUZZ
@given(st_.fixed_dictionaries({}, optional={"trip_id": xml_text, "route_id": xml_text, "start_date": xml_text,
                                            "start_time": xml_text, "direction_id": st_.integers(0, 2 ** 32 - 1),
                                            "schedule_relationship": st_.integers(0, 8)}),
       st_.lists(st_.tuples(st_.one_of(st_.none(), st_.integers(0, 2 ** 32 - 1)), st_.one_of(st_.none(), xml_text),
                            stop_event_fields, stop_event_fields, st_.one_of(st_.none(), st_.integers(0, 3))),
                 max_size=4),
       st_.one_of(st_.none(), st_.integers(0, 2 ** 64 - 1)), st_.one_of(st_.none(), st_.integers(-2 ** 31, 2 ** 31 - 1)),
       st_.one_of(st_.none(), st_.integers(0, 2 ** 64 - 1)))
def test_gtfs_trip_updates_near_valid(trip, stops, timestamp, delay, header_ts):
    from google.transit import gtfs_realtime_pb2
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    if header_ts is not None:
        feed.header.timestamp = header_ts
    tu = feed.entity.add(id="t").trip_update
    tu.trip.SetInParent()
    for name, value in trip.items():
        try:
            setattr(tu.trip, name, value)
        except ValueError:   # not a value of the enum
            pass
    for sequence, stop_id, arrival, departure, rel in stops:
        stu = tu.stop_time_update.add()
        if sequence is not None:
            stu.stop_sequence = sequence
        if stop_id is not None:
            stu.stop_id = stop_id
        if rel is not None:
            try:
                stu.schedule_relationship = rel
            except ValueError:
                pass
        for event, fields in ((stu.arrival, arrival), (stu.departure, departure)):
            for name, value in fields:
                try:
                    setattr(event, name, value)
                except (ValueError, TypeError, OverflowError):
                    pass
    if timestamp is not None:
        tu.timestamp = timestamp
    if delay is not None:
        tu.delay = delay
    check(PARSERS["gtfs_rt"], feed.SerializePartialToString())


translated = st_.lists(st_.tuples(xml_text, st_.one_of(st_.none(), xml_text)), max_size=3)


@FUZZ
@given(st_.sampled_from(["a", ""]), translated, translated,
       st_.lists(st_.tuples(st_.one_of(st_.none(), st_.integers(0, 2 ** 64 - 1)),
                            st_.one_of(st_.none(), st_.integers(0, 2 ** 64 - 1))), max_size=3),
       st_.lists(st_.fixed_dictionaries({}, optional={"agency_id": xml_text, "route_id": xml_text, "stop_id": xml_text,
                                                      "route_type": st_.integers(-2 ** 31, 2 ** 31 - 1),
                                                      "direction_id": st_.integers(0, 2 ** 32 - 1)}), max_size=3),
       st_.one_of(st_.none(), st_.integers(0, 15)), st_.one_of(st_.none(), st_.integers(0, 15)),
       st_.one_of(st_.none(), st_.integers(0, 4)), st_.booleans(), st_.booleans())
def test_gtfs_alerts_near_valid(entity_id, header, description, periods, informed, cause, effect, severity,
                                deleted, differential):
    from google.transit import gtfs_realtime_pb2
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    if differential:
        feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.DIFFERENTIAL
    entity = feed.entity.add(id=entity_id)
    entity.is_deleted = deleted
    alert = entity.alert
    for field, texts in (("header_text", header), ("description_text", description)):
        for text, language in texts:
            t = getattr(alert, field).translation.add(text=text)
            if language is not None:
                t.language = language
    for start, end in periods:
        period = alert.active_period.add()
        if start is not None:
            period.start = start
        if end is not None:
            period.end = end
    for selector in informed:
        alert.informed_entity.add(**selector)
    for name, value in (("cause", cause), ("effect", effect), ("severity_level", severity)):
        if value is not None:
            try:
                setattr(alert, name, value)
            except ValueError:   # not a value of the enum
                pass
    check(PARSERS["gtfs_rt"], feed.SerializePartialToString())
