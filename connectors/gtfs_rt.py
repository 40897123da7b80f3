"""GTFS-realtime (protobuf FeedMessage): VehiclePosition → vehicle_position, TripUpdate →
trip_update (connectors.gtfs_rt_trips), Alert → alert (connectors.gtfs_rt_alerts) events.

Optional fields the feed leaves out stay None (never 0): HasField decides, not the proto default.
An agency usually serves three feeds (vehicle positions, trip updates, alerts) at three URLs; one
connector per URL reads whichever entities its feed carries.

FULL_DATASET and DIFFERENTIAL feeds alike. What leaves the map: a vehicle whose entity is deleted
(is_deleted, in a differential feed; a full feed should not carry it and its deletions are not read)
or — in a full feed — that is no longer in it becomes a
vehicle_position event with payload {"vehicle_id", "gone": true}; a deleted trip update (or one gone
from a full feed) a trip_update event {"trip_id", "gone": true}: ingest takes the vehicle, or the
vehicles serving that trip, off the live state and the map. A deleted entity that carries no body
is known by the entity id it had (the connector remembers entity → vehicle / trip), else its id is
taken as the vehicle's. Only what this connector delivered is ever taken off.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from dashboard.domain.events import ALERT, TRIP_UPDATE, VEHICLE_POSITION, Event

from .base import IngestSink, ParseError, PollingConnector
from .gtfs_rt_alerts import alert_event, ended_alert_event
from .gtfs_rt_trips import trip_update_event
from .parsing import Parsed, Reject

NAME = "gtfs_rt"
ENTITY_ERRORS = (ParseError, ValueError, TypeError, OverflowError, OSError)


class GtfsFeed(Parsed):
    """Parsed events plus what the feed says of itself: the header's timestamp (POSIX seconds,
    None if absent), whether it is the full dataset, and the ids of its alert entities (also the
    invalid ones) and of its deleted entities, so that the connector can tell which alerts ended."""

    header_timestamp: int | None = None
    full_dataset: bool = True
    alert_ids: set[str]
    deleted_ids: set[str]
    vehicles: dict[str, str]           # entity id → vehicle id, of the vehicles in the feed
    trips: dict[str, str]              # entity id → trip id, of the trip updates in the feed
    deleted_vehicles: dict[str, str]   # the same, of deleted entities that still carry their body
    deleted_trips: dict[str, str]


VehicleFeed = GtfsFeed   # the name it had when it read vehicle positions only


def parse(data: bytes, *, source: str = NAME, received_at: datetime | None = None) -> GtfsFeed:
    """A FeedMessage → one event per VehiclePosition, TripUpdate and Alert entity; invalid
    entities become rejects; deleted entities are listed in `deleted_ids`. `received_at` stamps
    records when neither the entity nor the header carries a timestamp."""
    if not isinstance(data, (bytes, bytearray)):
        raise ParseError(f"expected protobuf bytes, got {type(data).__name__}", "feed")
    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(bytes(data))
    except Exception as exc:   # DecodeError, or whatever the protobuf runtime raises on garbage
        raise ParseError(f"not a GTFS-realtime FeedMessage: {exc}", "feed") from None
    if not feed.HasField("header") or not feed.header.gtfs_realtime_version:
        raise ParseError("missing (or without gtfs_realtime_version): not a GTFS-realtime feed", "header")
    out = GtfsFeed()
    out.header_timestamp = feed.header.timestamp if feed.header.HasField("timestamp") else None
    out.full_dataset = feed.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    out.alert_ids, out.deleted_ids = set(), set()
    out.vehicles, out.trips, out.deleted_vehicles, out.deleted_trips = {}, {}, {}, {}
    fallback = out.header_timestamp
    try:
        sent = datetime.fromtimestamp(fallback, timezone.utc) if fallback is not None else None
    except (OverflowError, OSError, ValueError):   # entities with their own timestamps are still good
        sent = None
    sent = sent or received_at or datetime.now(timezone.utc)
    for i, entity in enumerate(feed.entity):
        if entity.is_deleted:
            if entity.id:
                out.deleted_ids.add(entity.id)
                vehicle, trip = _ids(entity)
                if vehicle:
                    out.deleted_vehicles[entity.id] = vehicle
                if trip:
                    out.deleted_trips[entity.id] = trip
            continue
        if entity.id:
            vehicle, trip = _ids(entity)
            if vehicle and entity.HasField("vehicle"):
                out.vehicles[entity.id] = vehicle
            if trip and entity.HasField("trip_update"):
                out.trips[entity.id] = trip
        where = f"entity[{i}]" + (f"(id {entity.id})" if entity.id else "")
        if entity.HasField("alert"):
            out.alert_ids.add(entity.id)
        # some producers put a trip update and its vehicle in one entity: each part stands on its own
        for part, make in (("vehicle", lambda: _event(entity, where, source, fallback, received_at)),
                           ("trip_update", lambda: trip_update_event(entity, where, source, fallback, received_at)),
                           ("alert", lambda: alert_event(entity, where, source, sent))):
            if not entity.HasField(part):
                continue
            try:
                out.append(make())
            except ENTITY_ERRORS as exc:
                reason = str(exc) if isinstance(exc, ParseError) else f"{where}.{part}: {exc}"
                out.rejects.append(Reject(text_format.MessageToString(entity, as_utf8=True), reason))
    return out


def _ids(entity: Any) -> tuple[str | None, str | None]:
    """The vehicle id (of a VehiclePosition) and trip id (of a TripUpdate) an entity names."""
    vehicle = trip = None
    if entity.HasField("vehicle"):
        v = entity.vehicle
        vehicle = (v.vehicle.id if v.HasField("vehicle") else "") or entity.id or None
    if entity.HasField("trip_update") and entity.trip_update.HasField("trip"):
        trip = entity.trip_update.trip.trip_id or None
    return vehicle, trip


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


class Checkpoint:
    """What the connector remembers between polls (and restarts): the newest feed header seen,
    and the version of each alert it delivered (so that an unchanged alert is not delivered again
    and one that leaves the feed is ended). Stored as the header alone ("1749600900") while there
    are no alerts, else as JSON {"header": …, "alerts": {entity id: version}}."""

    def __init__(self, header: int | None = None, alerts: dict[str, str] | None = None,
                 vehicles: dict[str, str] | None = None, trips: dict[str, str] | None = None) -> None:
        self.header, self.alerts = header, dict(alerts or {})
        self.vehicles, self.trips = dict(vehicles or {}), dict(trips or {})   # entity id → vehicle / trip id

    @classmethod
    def load(cls, value: str | None) -> "Checkpoint":
        if not value:
            return cls()
        text = value.strip()
        if text.isdigit():
            return cls(int(text))
        try:
            doc = json.loads(text)
            header = doc.get("header")
            maps = [{str(k): str(v) for k, v in (doc.get(name) or {}).items()}
                    for name in ("alerts", "vehicles", "trips")]
            return cls(int(header) if header is not None else None, *maps)
        except (ValueError, TypeError, AttributeError):
            return cls()   # unreadable: start afresh (ingest is idempotent)

    def dump(self) -> str:
        if not self.alerts and not self.vehicles and not self.trips and self.header is not None:
            return str(self.header)
        doc: dict[str, Any] = {"header": self.header, "alerts": self.alerts}
        if self.vehicles:
            doc["vehicles"] = self.vehicles
        if self.trips:
            doc["trips"] = self.trips
        return json.dumps(doc, sort_keys=True)


class GtfsRtConnector(PollingConnector):
    def __init__(self, url: str, *, name: str = NAME, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        body = self.get(self.url, headers={"Accept": "application/x-protobuf"}).body
        now = datetime.now(timezone.utc)
        feed = self.parse_payload(sink, body, parse, source=self.name, received_at=now)
        saved = Checkpoint.load(sink.load_checkpoint(self.name))
        header = feed.header_timestamp
        if header is not None and saved.header is not None:
            if header == saved.header:
                return 0, "feed unchanged since the last poll"
            if header < saved.header:
                # an older feed (a replay, a lagging cache): its records dedupe and order themselves in
                # ingest; the checkpoint never moves back and no alert is ended by it
                count = self.deliver(sink, feed)
                return count, f"an older feed (header {header} < {saved.header}): {count} new records"
        events, state = self._alerts_delta(feed, saved, now)
        events += self._gone(feed, saved, state, now)
        delivered = Parsed(events, feed.rejects)
        count = self.deliver(sink, delivered)
        state.header = header if header is not None else saved.header
        if state.header is not None or state.alerts:
            sink.save_checkpoint(self.name, state.dump())
        return count, _summary(delivered)

    def _alerts_delta(self, feed: GtfsFeed, saved: Checkpoint, now: datetime) -> tuple[list[Event], Checkpoint]:
        """The feed's events less the alerts delivered before unchanged, plus an end for each
        alert that left a full feed (or was deleted from an incremental one)."""
        known = dict(saved.alerts)
        events: list[Event] = []
        for e in feed:
            if e.kind == ALERT:
                version = e.payload.get("version", "")
                if known.get(e.source_id) == version:
                    continue
                known[e.source_id] = version
            events.append(e)
        gone = set(saved.alerts) - feed.alert_ids if feed.full_dataset else set(saved.alerts) & feed.deleted_ids
        try:
            at = datetime.fromtimestamp(feed.header_timestamp, timezone.utc) if feed.header_timestamp else now
        except (OverflowError, OSError, ValueError):
            at = now
        for entity_id in sorted(gone):
            events.append(ended_alert_event(entity_id, self.name, at))
            known.pop(entity_id, None)
        return events, Checkpoint(None, known)


    def _gone(self, feed: GtfsFeed, saved: Checkpoint, state: Checkpoint, now: datetime) -> list[Event]:
        """Vehicles and trips that left: deleted entities, and — from a full feed — what is no
        longer in it. Fills state.vehicles / state.trips with what the feed now holds."""
        try:
            at = datetime.fromtimestamp(feed.header_timestamp, timezone.utc) if feed.header_timestamp else now
        except (OverflowError, OSError, ValueError):
            at = now
        vehicles, trips = dict(saved.vehicles), dict(saved.trips)
        gone_vehicles: dict[str, str] = {}
        gone_trips: dict[str, str] = {}
        if feed.full_dataset:
            gone_vehicles = {k: v for k, v in vehicles.items() if k not in feed.vehicles}
            gone_trips = {k: t for k, t in trips.items() if k not in feed.trips}
            vehicles, trips = dict(feed.vehicles), dict(feed.trips)
        else:
            vehicles.update(feed.vehicles)
            trips.update(feed.trips)
        # is_deleted belongs to differential feeds; in a full one what is known and missing has gone already
        for entity_id in (feed.deleted_ids if not feed.full_dataset else ()):
            vehicle = feed.deleted_vehicles.get(entity_id) or vehicles.get(entity_id)
            trip = feed.deleted_trips.get(entity_id) or trips.get(entity_id)
            if trip:
                gone_trips[entity_id] = trip
            if vehicle or not trip:   # a bare deleted entity: its id is the vehicle's
                gone_vehicles[entity_id] = vehicle or entity_id
            vehicles.pop(entity_id, None)
            trips.pop(entity_id, None)
        still = set(vehicles.values())
        stamp = int(at.timestamp())
        events = [Event(self.name, VEHICLE_POSITION, f"{vid}@gone@{stamp}", at, {"vehicle_id": vid, "gone": True})
                  for vid in sorted(set(gone_vehicles.values()) - still)]
        events += [Event(self.name, TRIP_UPDATE, f"{tid}@gone@{stamp}", at, {"trip_id": tid, "gone": True})
                   for tid in sorted(set(gone_trips.values()) - set(trips.values()))]
        state.vehicles, state.trips = vehicles, trips
        return events


def _summary(parsed: Parsed) -> str:
    counts: dict[str, int] = {}
    for e in parsed:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    gone = sum(1 for e in parsed if e.payload.get("gone"))
    for e in parsed:
        if e.payload.get("gone"):
            counts[e.kind] -= 1
    names = {VEHICLE_POSITION: "vehicles", TRIP_UPDATE: "trip updates", ALERT: "alerts"}
    text = ", ".join(f"{n} {names.get(k, k)}" for k, n in counts.items() if n) or "0 vehicles"
    if gone:
        text += f", {gone} gone"
    return text + (f", {len(parsed.rejects)} rejected" if parsed.rejects else "")
