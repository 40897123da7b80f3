"""A deleted vehicle or trip (GTFS-realtime DIFFERENTIAL) leaves the live state and the map:
through the real connector and ingest service (SQLite, and PostgreSQL): vehicles.update and
vehicles.remove on the bus, the operations snapshot's vehicles layer."""
from __future__ import annotations

from pathlib import Path

from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors import gtfs_rt
from connectors.http import HttpResponse
from dashboard.services.ingest import IngestService
from dashboard.services.operations import operations_snapshot
from dashboard.store import state

FIX = Path(__file__).parent.parent / "fixtures" / "gtfs_rt"
FIRST = """
header { gtfs_realtime_version: "2.0" incrementality: DIFFERENTIAL timestamp: 1749600900 }
entity { id: "v1" vehicle { vehicle { id: "BUS-101" } trip { trip_id: "T1-0800" }
         position { latitude: 32.05 longitude: 118.78 } timestamp: 1749600890 } }
entity { id: "v2" vehicle { vehicle { id: "BUS-102" } trip { trip_id: "T2-0800" }
         position { latitude: 32.06 longitude: 118.80 } timestamp: 1749600890 } }
entity { id: "v3" vehicle { vehicle { id: "BUS-903" } trip { trip_id: "T9-0900" }
         position { latitude: 32.07 longitude: 118.81 } timestamp: 1749600890 } }
"""


def encode(text: str) -> bytes:
    return text_format.Parse(text, gtfs_realtime_pb2.FeedMessage()).SerializeToString()


def vehicle_ids(services) -> list[str]:
    with services.store.connect() as conn:
        return [v["vehicle_id"] for v in state.vehicles(conn)]


def test_deleted_vehicle_and_trip_leave_the_map(services):
    ingest = IngestService(services)
    bodies = [encode(FIRST), encode((FIX / "differential_update.textproto").read_text())]
    connector = gtfs_rt.GtfsRtConnector("http://feed")
    connector.get = lambda url, params=None, headers=None: HttpResponse(url, 200, {}, bodies.pop(0))
    start = services.bus.position()
    connector.poll(ingest)
    assert vehicle_ids(services) == ["BUS-101", "BUS-102", "BUS-903"]
    snapshot = operations_snapshot(services)
    assert sorted(f["properties"]["id"] for f in snapshot["vehicles"]["features"]) == ["BUS-101", "BUS-102", "BUS-903"]

    connector.poll(ingest)   # BUS-101 moves; v2 (BUS-102) deleted; the trip T9-0900 deleted: its bus goes too
    assert vehicle_ids(services) == ["BUS-101"]
    messages = services.bus.read(start, count=1000)
    removed = [i for m in messages if m.topic == "vehicles.remove" for i in m.data["ids"]]
    assert sorted(removed) == ["BUS-102", "BUS-903"]
    updates = [f for m in messages if m.topic == "vehicles.update" for f in m.data["items"]]
    assert updates[-1]["properties"]["id"] == "BUS-101" and updates[-1]["geometry"]["coordinates"] == [118.785, 32.052]
    snapshot = operations_snapshot(services)
    assert [f["properties"]["id"] for f in snapshot["vehicles"]["features"]] == ["BUS-101"]


def test_an_older_deletion_does_not_take_off_a_newer_position(services):
    from datetime import datetime, timezone
    from dashboard.domain.events import VEHICLE_POSITION, Event
    ingest = IngestService(services)
    at = datetime(2025, 6, 11, 0, 0, tzinfo=timezone.utc)
    newer = datetime(2025, 6, 11, 0, 5, tzinfo=timezone.utc)
    ingest.ingest("gtfs_rt", [Event("gtfs_rt", VEHICLE_POSITION, "B1@2", newer, {"vehicle_id": "B1"}, 32.0, 118.0)])
    ingest.ingest("gtfs_rt", [Event("gtfs_rt", VEHICLE_POSITION, "B1@gone@1", at, {"vehicle_id": "B1", "gone": True})])
    assert vehicle_ids(services) == ["B1"]
