"""GTFS-realtime VehiclePositions (protobuf FeedMessage) → vehicle_position events.

Optional fields the feed leaves out stay None (never 0): HasField decides, not the proto default.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from dashboard.domain.events import VEHICLE_POSITION, Event

from .base import IngestSink, ParseError, PollingConnector
from .parsing import Parsed, Reject

NAME = "gtfs_rt"


class VehicleFeed(Parsed):
    """Parsed events plus the feed header's timestamp (POSIX seconds, None if absent)."""

    header_timestamp: int | None = None


def parse(data: bytes, *, source: str = NAME, received_at: datetime | None = None) -> VehicleFeed:
    """A FeedMessage → one event per VehiclePosition entity. Deleted entities and entities of other
    types (trip updates, alerts) are not vehicle positions and are passed over. `received_at`
    stamps positions when neither the vehicle nor the header carries a timestamp."""
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError(f"expected protobuf bytes, got {type(data).__name__}", "feed")
    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(bytes(data))
    except Exception as exc:   # DecodeError, or whatever the protobuf runtime raises on garbage
        raise ParseError(f"not a GTFS-realtime FeedMessage: {exc}", "feed") from None
    if not feed.HasField("header") or not feed.header.gtfs_realtime_version:
        raise ParseError("missing (or without gtfs_realtime_version): not a GTFS-realtime feed", "header")
    out = VehicleFeed()
    out.header_timestamp = feed.header.timestamp if feed.header.HasField("timestamp") else None
    fallback = out.header_timestamp
    for i, entity in enumerate(feed.entity):
        if entity.is_deleted or not entity.HasField("vehicle"):
            continue
        where = f"entity[{i}]" + (f"(id {entity.id})" if entity.id else "")
        try:
            out.append(_event(entity, where, source, fallback, received_at))
        except (ParseError, ValueError, TypeError, OverflowError, OSError) as exc:
            reason = str(exc) if isinstance(exc, ParseError) else f"{where}: {exc}"
            out.rejects.append(Reject(text_format.MessageToString(entity, as_utf8=True), reason))
    return out


def _event(entity: Any, where: str, source: str, header_ts: int | None, received_at: datetime | None) -> Event:
    v = entity.vehicle
    where = f"{where}.vehicle"
    if not v.HasField("position"):
        raise ParseError("missing", f"{where}.position")
    pos = v.position
    if not (pos.HasField("latitude") and pos.HasField("longitude")):
        raise ParseError("latitude or longitude missing", f"{where}.position")
    lat, lon = _finite(pos.latitude, f"{where}.position.latitude"), _finite(pos.longitude, f"{where}.position.longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ParseError(f"({lat}, {lon}) out of range", f"{where}.position")
    vehicle_id = (v.vehicle.id if v.HasField("vehicle") else "") or entity.id
    if not vehicle_id:
        raise ParseError("no vehicle id and no entity id", f"{where}.vehicle.id")
    trip = v.trip if v.HasField("trip") else None
    route_id = (trip.route_id or None) if trip is not None and trip.HasField("route_id") else None
    trip_id = (trip.trip_id or None) if trip is not None and trip.HasField("trip_id") else None
    bearing = round(_finite(pos.bearing, f"{where}.position.bearing"), 1) if pos.HasField("bearing") else None
    speed = None
    if pos.HasField("speed"):   # GTFS-rt speed is m/s
        mps = _finite(pos.speed, f"{where}.position.speed")
        if mps < 0:
            raise ParseError(f"negative speed {mps}", f"{where}.position.speed")
        speed = round(mps * 3.6, 2)
    if v.HasField("timestamp"):
        ts = v.timestamp
    elif header_ts is not None:
        ts = header_ts
    else:
        ts = int((received_at or datetime.now(timezone.utc)).timestamp())
    try:
        observed = datetime.fromtimestamp(ts, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ParseError(f"timestamp {ts} out of range", f"{where}.timestamp") from None
    payload = {"vehicle_id": vehicle_id, "route_id": route_id, "trip_id": trip_id,
               "bearing": bearing, "speed_kmh": speed}
    return Event(source, VEHICLE_POSITION, f"{vehicle_id}@{ts}", observed, payload,
                 round(lat, 5), round(lon, 5))   # float32 in the feed: ~1 m is all it holds


def _finite(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise ParseError(f"not a finite number ({value})", where)
    return float(value)


class GtfsRtConnector(PollingConnector):
    def __init__(self, url: str, *, name: str = NAME, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        body = self.get(self.url, headers={"Accept": "application/x-protobuf"}).body
        feed = self.parse_payload(sink, body, parse, source=self.name, received_at=datetime.now(timezone.utc))
        header = feed.header_timestamp
        if header is not None and sink.load_checkpoint(self.name) == str(header):
            return 0, "feed unchanged since the last poll"
        count = self.deliver(sink, feed)
        if header is not None:
            sink.save_checkpoint(self.name, str(header))
        return count, f"{count} vehicles" + (f", {len(feed.rejects)} rejected" if feed.rejects else "")
