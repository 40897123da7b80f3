"""GTFS-realtime VehiclePositions, TripUpdates and Alerts: absent optional fields stay None; the
connector's checkpoint never moves back; alerts are delivered when they change and ended when
they leave the feed."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import gtfs_rt
from connectors.base import ParseError
from dashboard.domain.events import ALERT, TRIP_UPDATE, VEHICLE_POSITION
from tests.support.sinks import MemorySink

FIX = Path(__file__).parent.parent / "fixtures" / "gtfs_rt"


def feed_bytes(name: str) -> bytes:
    return text_format.Parse((FIX / name).read_text(), gtfs_realtime_pb2.FeedMessage()).SerializeToString()


def test_vehicle_positions():
    parsed = gtfs_rt.parse(feed_bytes("vehicle_positions.textproto"))
    assert parsed.header_timestamp == 1749600900
    buses = [e for e in parsed if e.kind == VEHICLE_POSITION]
    assert [e.payload["vehicle_id"] for e in buses] == ["BUS-101", "BUS-102"]   # the deleted one skipped
    assert parsed.deleted_ids == {"v5"} and [e.kind for e in parsed[2:]] == [TRIP_UPDATE]
    bus = parsed[0]
    assert bus.kind == VEHICLE_POSITION and bus.source == "gtfs_rt"
    assert bus.source_id == "BUS-101@1749600895"
    assert bus.observed_at == datetime.fromtimestamp(1749600895, timezone.utc)
    assert (bus.lat, bus.lon) == (32.0512, 118.7834)
    assert bus.payload == {"vehicle_id": "BUS-101", "route_id": "1", "trip_id": "T1-0800",
                           "bearing": 92.5, "speed_kmh": 30.6}   # 8.5 m/s


def test_absent_optional_fields_are_none_not_zero_and_header_time_is_used():
    bus = gtfs_rt.parse(feed_bytes("vehicle_positions.textproto"))[1]
    assert bus.payload["bearing"] is None and bus.payload["speed_kmh"] is None
    assert bus.payload["route_id"] is None and bus.payload["trip_id"] is None
    assert bus.source_id == "BUS-102@1749600900"   # no vehicle timestamp: the header's


def test_present_zero_stays_zero_and_without_any_timestamp_the_receive_time():
    at = datetime(2025, 6, 11, 8, 0, tzinfo=timezone.utc)
    parsed = gtfs_rt.parse(feed_bytes("no_timestamps.textproto"), received_at=at)
    assert parsed.header_timestamp is None
    bus = parsed[0]
    assert bus.payload["bearing"] == 0.0 and bus.payload["speed_kmh"] == 0.0
    assert bus.observed_at == at and bus.source_id == f"BUS-201@{int(at.timestamp())}"


def test_bad_entities_rejected_with_where():
    parsed = gtfs_rt.parse(feed_bytes("vehicle_positions.textproto"))
    assert [r.reason for r in parsed.rejects] == [
        "entity[2](id v3).vehicle.position: missing",
        "entity[3](id v4).vehicle.position: (132.0, 118.80000305175781) out of range",
    ]
    assert 'id: "v3"' in parsed.rejects[0].raw


@pytest.mark.parametrize("body, message", [
    (b"", "header: missing"),
    (b"\xff\xff\xff\xff", "feed: not a GTFS-realtime FeedMessage"),
    ("text", "feed: expected protobuf bytes"),
])
def test_unusable_feeds(body, message):
    with pytest.raises(ParseError, match=message):
        gtfs_rt.parse(body)


def test_vehicle_without_descriptor_uses_entity_id_and_huge_timestamp_is_rejected():
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    e = feed.entity.add(id="E7")
    e.vehicle.position.latitude, e.vehicle.position.longitude = 32.0, 118.8
    e.vehicle.timestamp = 1749600000
    bad = feed.entity.add(id="E8")
    bad.vehicle.position.latitude, bad.vehicle.position.longitude = 32.0, 118.8
    bad.vehicle.timestamp = 2 ** 63
    parsed = gtfs_rt.parse(feed.SerializeToString())
    assert [ev.payload["vehicle_id"] for ev in parsed] == ["E7"]
    assert "timestamp" in parsed.rejects[0].reason


# -- TripUpdate -----------------------------------------------------------------------------------------
def test_trip_updates_of_the_specs_example():
    parsed = gtfs_rt.parse(feed_bytes("trip_updates_spec_example.textproto"))
    assert not parsed.rejects
    simple, frequency = parsed
    assert simple.kind == TRIP_UPDATE and simple.source_id == "trip-1"
    assert simple.observed_at == datetime.fromtimestamp(1284457468, timezone.utc)   # no own timestamp: the header's
    assert [(s["stop_sequence"], s["arrival"] and s["arrival"]["delay_s"]) for s in simple.payload["stops"]] == \
        [(3, 5), (8, 1), (10, None)]   # stop 10 states no delay: unknown, not 0
    assert simple.payload["stops"][0]["arrival"]["time"] is None and simple.payload["stops"][0]["departure"] is None
    assert simple.payload["route_id"] is None and simple.payload["delay_s"] is None
    assert simple.payload["max_stop_delay_s"] == 5
    assert frequency.source_id == "frequency-expanded-trip@11:15:35"    # a frequency-based trip: id and start
    assert frequency.payload["stops"][0]["arrival"]["delay_s"] == -2     # early
    assert frequency.payload["stops"][1] == {"stop_sequence": 9, "stop_id": None, "arrival": None,
                                             "departure": None, "schedule_relationship": None}


def test_trip_updates_fields_skips_cancellations_and_rejects():
    parsed = gtfs_rt.parse(feed_bytes("trip_updates.textproto"))
    late, cancelled, added = parsed
    assert late.source_id == "T1-0800@20250611/08:00:00"
    assert late.observed_at == datetime.fromtimestamp(1749600880, timezone.utc)   # the update's own timestamp
    assert {k: late.payload[k] for k in ("trip_id", "route_id", "direction_id", "vehicle_id", "delay_s",
                                         "schedule_relationship", "max_stop_delay_s")} == \
        {"trip_id": "T1-0800", "route_id": "1", "direction_id": 0, "vehicle_id": "BUS-101", "delay_s": 130,
         "schedule_relationship": "SCHEDULED", "max_stop_delay_s": 150}
    s104, s105, s106, s107 = late.payload["stops"]
    assert s104["arrival"]["delay_s"] == 120 and s104["departure"]["delay_s"] == 150
    assert s105["arrival"] == {"delay_s": None, "time": "2025-06-11T00:25:00Z", "uncertainty_s": 60,
                               "scheduled_time": None}   # a predicted time without a delay: the delay is unknown
    assert s106["schedule_relationship"] == "SKIPPED" and s106["arrival"] is None
    assert s107["arrival"]["delay_s"] == 0                  # a delay of 0 the feed states is 0
    assert cancelled.payload["schedule_relationship"] == "CANCELED" and cancelled.payload["stops"] == []
    assert added.source_id == "route:22/1@20250611/08:20:00" and added.payload["trip_id"] is None
    assert [r.reason for r in parsed.rejects] == [
        "entity[3](id tu4).trip_update.trip: neither a trip_id nor a route_id with a start time or date",
        "entity[4](id tu5).trip_update.stop_time_update[0]: neither stop_sequence nor stop_id"]


def test_trip_update_with_an_impossible_time_is_rejected():
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    tu = feed.entity.add(id="x").trip_update
    tu.trip.trip_id = "T"
    stu = tu.stop_time_update.add(stop_sequence=1)
    stu.arrival.time = -(2 ** 62)
    parsed = gtfs_rt.parse(feed.SerializeToString())
    assert not parsed and "stop_time_update[0].arrival.time: time" in parsed.rejects[0].reason


# -- Alert ---------------------------------------------------------------------------------------------
def test_alert_of_the_specs_example():
    parsed = gtfs_rt.parse(feed_bytes("alerts_spec_example.textproto"))
    (alert,) = parsed
    p = alert.payload
    assert alert.kind == ALERT and alert.source_id == "0" and p["identifier"] == "gtfs_rt:0"
    assert (p["cause"], p["effect"], p["severity_level"], p["severity"]) == ("CONSTRUCTION", "DETOUR", None, None)
    assert p["headline_en"] == p["headline_zh"] == "Stop at Elm street is closed, temporary stop at Oak street"
    assert p["description_en"].startswith("Due to construction at Elm street")
    assert p["url"] == {"en": "http://www.sometransitagency/alerts"}
    assert p["active_periods"] == [{"start": "2010-09-14T09:44:28Z", "end": "2010-09-14T12:41:12Z"}]
    assert (p["effective"], p["expires"]) == ("2010-09-14T09:44:28Z", "2010-09-14T12:41:12Z")
    assert [(e["route_id"], e["stop_id"]) for e in p["informed_entities"]] == \
        [("219", None), (None, "16230"), ("100", "16299")]
    assert p["area_desc"] == "route 219; stop 16230; route 100 at stop 16299"
    assert p["msg_type"] == "Alert" and p["status"] == "Actual" and p["geometry"] is None
    assert alert.lat is None and alert.lon is None


def test_alerts_translations_severity_open_periods_and_rejects():
    parsed = gtfs_rt.parse(feed_bytes("alerts.textproto"))
    rain, fares = parsed
    p = rain.payload
    assert p["headline_zh"] == "1路因暴雨严重延误" and p["headline_en"] == "Route 1: severe delays due to heavy rain"
    assert p["description_zh"] == "请预留出行时间。" and p["description_en"] == "Allow extra time."
    assert (p["cause"], p["effect"], p["severity_level"], p["severity"]) == \
        ("WEATHER", "SIGNIFICANT_DELAYS", "SEVERE", "Severe")
    assert p["active_periods"] == [{"start": "2025-06-11T00:00:00Z", "end": None}] and p["expires"] is None
    assert p["informed_entities"][2]["trip"]["trip_id"] == "T1-0800"
    assert p["area_desc"] == "route 1 direction 0; stop S105; trip T1-0800"
    q = fares.payload
    assert q["header_text"] == {"": "Fares change on 1 July"} and q["headline_zh"] == "Fares change on 1 July"
    assert q["cause"] is None and q["effect"] is None and q["active_periods"] == [] and q["effective"] is None
    assert q["area_desc"] == "route type 3"
    assert parsed.alert_ids == {"A1", "A2", "A3", "A4"}   # the invalid ones are in the feed too: not ended
    assert [r.reason for r in parsed.rejects] == [
        "entity[2](id A3).alert.active_period[0]: ends (1749590000) before it starts (1749600000)",
        "entity[3](id A4).alert: neither header_text nor description_text"]


def test_alert_version_follows_its_content_only():
    one = gtfs_rt.parse(feed_bytes("alerts.textproto"))[0]
    feed = text_format.Parse((FIX / "alerts.textproto").read_text(), gtfs_realtime_pb2.FeedMessage())
    feed.header.timestamp += 60
    same = gtfs_rt.parse(feed.SerializeToString())[0]
    feed.entity[0].alert.effect = gtfs_realtime_pb2.Alert.DETOUR
    changed = gtfs_rt.parse(feed.SerializeToString())[0]
    assert one.payload["version"] == same.payload["version"] != changed.payload["version"]


# -- the connector: checkpoint and alert lifecycle ---------------------------------------------------------


def serving(connector, bodies):
    """The connector's GET answers with the given bodies, one per poll."""
    from connectors.http import HttpResponse
    queue = list(bodies)
    connector.get = lambda url, params=None, headers=None: HttpResponse(url, 200, {}, queue.pop(0))
    return connector


def with_header(name: str, timestamp: int, drop: tuple[str, ...] = ()) -> bytes:
    feed = text_format.Parse((FIX / name).read_text(), gtfs_realtime_pb2.FeedMessage())
    feed.header.timestamp = timestamp
    kept = [e for e in feed.entity if e.id not in drop]
    del feed.entity[:]
    feed.entity.extend(kept)
    return feed.SerializeToString()


def test_checkpoint_never_moves_back_when_an_older_feed_is_replayed():
    sink = MemorySink()
    older, newer = with_header("vehicle_positions.textproto", 1749600900), \
        with_header("vehicle_positions.textproto", 1749600960)
    c = serving(gtfs_rt.GtfsRtConnector("http://feed"), [older, newer, older, newer])
    header = lambda: gtfs_rt.Checkpoint.load(sink.checkpoints["gtfs_rt"]).header   # noqa: E731
    c.poll(sink)
    assert header() == 1749600900
    c.poll(sink)
    assert header() == 1749600960
    count, detail = c.poll(sink)                  # the old feed again
    assert header() == 1749600960 and "older feed" in detail
    assert c.poll(sink) == (0, "feed unchanged since the last poll")


def test_alerts_delivered_when_changed_and_ended_when_gone():
    sink = MemorySink()
    first = with_header("alerts.textproto", 1749600900)
    again = with_header("alerts.textproto", 1749600960)                 # same alerts, a newer feed
    without_a1 = with_header("alerts.textproto", 1749601020, drop=("A1",))
    c = serving(gtfs_rt.GtfsRtConnector("http://feed"), [first, again, without_a1, first])
    c.poll(sink)
    assert [(e.source_id, e.payload["msg_type"]) for e in sink.events] == [("A1", "Alert"), ("A2", "Alert")]
    assert len(sink.dead) == 2
    c.poll(sink)
    assert len(sink.events) == 2                   # unchanged: not delivered again
    c.poll(sink)
    ended = sink.events[2]
    assert (ended.source_id, ended.payload["msg_type"], ended.payload["identifier"]) == ("A1", "Cancel", "gtfs_rt:A1")
    assert ended.observed_at == datetime.fromtimestamp(1749601020, timezone.utc)
    import json
    assert json.loads(sink.checkpoints["gtfs_rt"])["alerts"].keys() == {"A2"}
    c.poll(sink)                                   # an older feed with A1 in it: stored as history, ends nothing
    assert json.loads(sink.checkpoints["gtfs_rt"])["header"] == 1749601020


def test_checkpoint_survives_a_restart_so_unchanged_alerts_are_not_repeated():
    sink = MemorySink()
    serving(gtfs_rt.GtfsRtConnector("http://feed"), [with_header("alerts.textproto", 1749600900)]).poll(sink)
    delivered = len(sink.events)
    serving(gtfs_rt.GtfsRtConnector("http://feed"), [with_header("alerts.textproto", 1749600960)]).poll(sink)
    assert len(sink.events) == delivered


def test_unreadable_checkpoint_starts_afresh():
    assert gtfs_rt.Checkpoint.load("{not json").header is None
    assert gtfs_rt.Checkpoint.load("1749600900").header == 1749600900
    state = gtfs_rt.Checkpoint(5, {"A": "v"})
    assert gtfs_rt.Checkpoint.load(state.dump()).alerts == {"A": "v"}


def test_an_entity_with_a_trip_update_and_its_vehicle_gives_both_and_a_bad_part_only_loses_itself():
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = 1749600900
    both = feed.entity.add(id="e1")
    both.trip_update.trip.trip_id = "T1"
    both.trip_update.stop_time_update.add(stop_sequence=2).arrival.delay = 60
    both.vehicle.vehicle.id = "BUS-1"        # a vehicle without a position: rejected on its own
    parsed = gtfs_rt.parse(feed.SerializeToString())
    assert [e.kind for e in parsed] == [TRIP_UPDATE]
    assert [r.reason for r in parsed.rejects] == ["entity[0](id e1).vehicle.position: missing"]
    both.vehicle.position.latitude, both.vehicle.position.longitude = 32.0, 118.8
    assert sorted(e.kind for e in gtfs_rt.parse(feed.SerializeToString())) == [TRIP_UPDATE, VEHICLE_POSITION]
