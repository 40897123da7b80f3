"""GTFS-realtime TripUpdate entities → trip_update events (pure).

One event per trip instance: source_id is the trip_id with its start date and time (or, for a
trip given without trip_id, route/direction/start), so a later update of the same trip is a
newer version of the same record (updated_at: the update's timestamp, else the feed header's).

Every optional field the feed leaves out stays None — a StopTimeEvent without `delay` has an
unknown delay, not 0 (the spec's example even omits both delay and time for "on schedule by
propagation": that is a propagated delay CityOps does not invent). Delays are in seconds,
positive late, negative early; absolute times become ISO 8601 UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from google.transit import gtfs_realtime_pb2

from dashboard.domain.events import TRIP_UPDATE, Event

from .errors import ParseError

_TRIP_REL = gtfs_realtime_pb2.TripDescriptor.ScheduleRelationship
_STOP_REL = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.ScheduleRelationship


def optional(message: Any, name: str) -> Any:
    """The field's value when the feed set it, else None (never the proto default)."""
    return getattr(message, name) if message.HasField(name) else None


def optional_text(message: Any, name: str) -> str | None:
    return (getattr(message, name) or None) if message.HasField(name) else None


def posix_time(seconds: int | None, where: str) -> datetime | None:
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ParseError(f"time {seconds} out of range", where) from None


def iso(seconds: int | None, where: str) -> str | None:
    at = posix_time(seconds, where)
    return at.isoformat().replace("+00:00", "Z") if at else None


def trip_descriptor(trip: Any) -> dict[str, Any]:
    rel = optional(trip, "schedule_relationship")
    return {"trip_id": optional_text(trip, "trip_id"), "route_id": optional_text(trip, "route_id"),
            "direction_id": optional(trip, "direction_id"), "start_date": optional_text(trip, "start_date"),
            "start_time": optional_text(trip, "start_time"),
            "schedule_relationship": _TRIP_REL.Name(rel) if rel is not None and rel in _TRIP_REL.values() else None}


def trip_key(trip: dict[str, Any], where: str) -> str:
    """What names one trip instance: trip_id (+ start date and time), else route, direction and start."""
    tail = "/".join(x for x in (trip["start_date"], trip["start_time"]) if x)
    if trip["trip_id"]:
        return f"{trip['trip_id']}@{tail}" if tail else trip["trip_id"]
    if trip["route_id"] and (trip["start_time"] or trip["start_date"]):
        direction = "" if trip["direction_id"] is None else f"/{trip['direction_id']}"
        return f"route:{trip['route_id']}{direction}@{tail}"
    raise ParseError("neither a trip_id nor a route_id with a start time or date", f"{where}.trip")


def _stop_event(message: Any, name: str, where: str) -> dict[str, Any] | None:
    if not message.HasField(name):
        return None
    e = getattr(message, name)
    return {"delay_s": optional(e, "delay"), "time": iso(optional(e, "time"), f"{where}.{name}.time"),
            "uncertainty_s": optional(e, "uncertainty"),
            "scheduled_time": iso(optional(e, "scheduled_time"), f"{where}.{name}.scheduled_time")}


def _stop(stu: Any, where: str) -> dict[str, Any]:
    rel = optional(stu, "schedule_relationship")
    stop = {"stop_sequence": optional(stu, "stop_sequence"), "stop_id": optional_text(stu, "stop_id"),
            "arrival": _stop_event(stu, "arrival", where), "departure": _stop_event(stu, "departure", where),
            "schedule_relationship": _STOP_REL.Name(rel) if rel is not None and rel in _STOP_REL.values() else None}
    if stop["stop_sequence"] is None and stop["stop_id"] is None:
        raise ParseError("neither stop_sequence nor stop_id", where)
    return stop


def trip_update_event(entity: Any, where: str, source: str, header_ts: int | None,
                      received_at: datetime | None) -> Event:
    tu = entity.trip_update
    where = f"{where}.trip_update"
    if not tu.HasField("trip"):
        raise ParseError("missing", f"{where}.trip")
    trip = trip_descriptor(tu.trip)
    key = trip_key(trip, where)
    stops = [_stop(s, f"{where}.stop_time_update[{k}]") for k, s in enumerate(tu.stop_time_update)]
    ts = optional(tu, "timestamp")
    at = posix_time(ts if ts is not None else header_ts, f"{where}.timestamp") or received_at \
        or datetime.now(timezone.utc)
    vehicle_id = optional_text(tu.vehicle, "id") if tu.HasField("vehicle") else None
    delays = [e["delay_s"] for s in stops for e in (s["arrival"], s["departure"]) if e and e["delay_s"] is not None]
    payload = {**trip, "vehicle_id": vehicle_id, "delay_s": optional(tu, "delay"),
               # the largest delay the update states, for a quick look; None when it states none
               "max_stop_delay_s": max(delays) if delays else None, "stops": stops}
    return Event(source, TRIP_UPDATE, key, at, payload)
