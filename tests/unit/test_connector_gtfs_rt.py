"""GTFS-realtime VehiclePositions: absent optional fields stay None."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import gtfs_rt
from connectors.base import ParseError
from dashboard.domain.events import VEHICLE_POSITION

FIX = Path(__file__).parent.parent / "fixtures" / "gtfs_rt"


def feed_bytes(name: str) -> bytes:
    return text_format.Parse((FIX / name).read_text(), gtfs_realtime_pb2.FeedMessage()).SerializeToString()


def test_vehicle_positions():
    parsed = gtfs_rt.parse(feed_bytes("vehicle_positions.textproto"))
    assert parsed.header_timestamp == 1749600900
    assert [e.payload["vehicle_id"] for e in parsed] == ["BUS-101", "BUS-102"]   # deleted and trip updates skipped
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
