"""GTFS-realtime DIFFERENTIAL feeds and deleted entities: a deleted vehicle (or one gone from a full
feed) and a deleted trip become {"gone": true} events; ingest takes them off the live state and the
map (tests/integration/test_vehicles_leave_the_map.py)."""
from __future__ import annotations

from pathlib import Path

from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import gtfs_rt
from dashboard.domain.events import TRIP_UPDATE, VEHICLE_POSITION
from tests.support.sinks import MemorySink

FIX = Path(__file__).parent.parent / "fixtures" / "gtfs_rt"

FIRST = """
header { gtfs_realtime_version: "2.0" incrementality: DIFFERENTIAL timestamp: 1749600900 }
entity { id: "v1" vehicle { vehicle { id: "BUS-101" } trip { trip_id: "T1-0800" }
         position { latitude: 32.05 longitude: 118.78 } timestamp: 1749600890 } }
entity { id: "v2" vehicle { vehicle { id: "BUS-102" } trip { trip_id: "T9-0900" }
         position { latitude: 32.06 longitude: 118.80 } timestamp: 1749600890 } }
entity { id: "tu1" trip_update { trip { trip_id: "T9-0900" } stop_time_update { stop_sequence: 1
         arrival { delay: 60 } } timestamp: 1749600890 } }
"""


def encode(text: str) -> bytes:
    return text_format.Parse(text, gtfs_realtime_pb2.FeedMessage()).SerializeToString()


def serving(connector, bodies):
    from connectors.http import HttpResponse
    queue = list(bodies)
    connector.get = lambda url, params=None, headers=None: HttpResponse(url, 200, {}, queue.pop(0))
    return connector


def test_parse_lists_deleted_entities_with_what_they_carry():
    feed = gtfs_rt.parse(encode((FIX / "differential_update.textproto").read_text()))
    assert not feed.full_dataset
    assert feed.deleted_ids == {"v2", "tu1"} and feed.deleted_trips == {"tu1": "T9-0900"}
    assert feed.deleted_vehicles == {} and feed.vehicles == {"v1": "BUS-101"}
    assert [e.payload["vehicle_id"] for e in feed if e.kind == VEHICLE_POSITION] == ["BUS-101"]


def test_a_differential_feed_keeps_what_it_does_not_mention_and_drops_what_it_deletes():
    sink = MemorySink()
    c = serving(gtfs_rt.GtfsRtConnector("http://feed"),
                [encode(FIRST), encode((FIX / "differential_update.textproto").read_text())])
    c.poll(sink)
    first = len(sink.events)
    count, detail = c.poll(sink)
    later = sink.events[first:]
    gone = [(e.kind, e.payload.get("vehicle_id") or e.payload.get("trip_id")) for e in later if e.payload.get("gone")]
    # the bare deleted entity "v2" is known as BUS-102 from the first message; the deleted trip by what it carries
    assert gone == [(VEHICLE_POSITION, "BUS-102"), (TRIP_UPDATE, "T9-0900")]
    assert [e.payload["vehicle_id"] for e in later if not e.payload.get("gone")] == ["BUS-101"]
    assert "2 gone" in detail
    state = gtfs_rt.Checkpoint.load(sink.checkpoints["gtfs_rt"])
    assert state.vehicles == {"v1": "BUS-101"} and state.trips == {}


def test_a_full_feed_without_a_vehicle_it_had_takes_it_off():
    full = FIRST.replace("DIFFERENTIAL", "FULL_DATASET")
    without = full.replace("timestamp: 1749600900", "timestamp: 1749600960").split('entity { id: "v2"')[0]
    sink = MemorySink()
    c = serving(gtfs_rt.GtfsRtConnector("http://feed"), [encode(full), encode(without)])
    c.poll(sink)
    n = len(sink.events)
    c.poll(sink)
    gone = sorted((e.kind, e.payload.get("vehicle_id") or e.payload.get("trip_id"))
                  for e in sink.events[n:] if e.payload.get("gone"))
    assert gone == [(TRIP_UPDATE, "T9-0900"), (VEHICLE_POSITION, "BUS-102")]


def test_a_bare_deleted_entity_never_seen_is_taken_as_a_vehicle_id():
    text = ('header { gtfs_realtime_version: "2.0" incrementality: DIFFERENTIAL timestamp: 1749600900 }'
            ' entity { id: "BUS-777" is_deleted: true }')
    sink = MemorySink()
    serving(gtfs_rt.GtfsRtConnector("http://feed"), [encode(text)]).poll(sink)
    (event,) = sink.events
    assert event.payload == {"vehicle_id": "BUS-777", "gone": True} and event.lat is None


def test_the_same_vehicle_still_in_the_feed_under_another_entity_is_not_gone():
    moved = FIRST.replace('timestamp: 1749600900', 'timestamp: 1749600960').replace('id: "v1"', 'id: "v1b"')
    moved += ' entity { id: "v1" is_deleted: true }'
    sink = MemorySink()
    c = serving(gtfs_rt.GtfsRtConnector("http://feed"), [encode(FIRST), encode(moved)])
    c.poll(sink)
    n = len(sink.events)
    c.poll(sink)
    assert not [e for e in sink.events[n:] if e.payload.get("gone")]
