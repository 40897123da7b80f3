"""Events: the normalized records every connector produces, whatever protocol it speaks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Kinds of events. The ingest service keeps latest state per kind where it makes sense.
CASE_REPORT = "case_report"          # a city-management / 12345 case (Open311 request)
SEGMENT_SPEED = "segment_speed"      # measured speed on a road segment
VEHICLE_POSITION = "vehicle_position"  # a bus position (GTFS-realtime)
AIR_READING = "air_reading"          # one pollutant concentration at one station
ALERT = "alert"                      # an emergency alert (CAP), or a transit service alert (GTFS-realtime)
TRIP_UPDATE = "trip_update"          # a transit trip's delays per stop (GTFS-realtime TripUpdate)
DEVICE_STATE = "device_state"        # a city device's state or reading, pushed over MQTT (物联网: lights, covers …)

KINDS = (CASE_REPORT, SEGMENT_SPEED, VEHICLE_POSITION, AIR_READING, ALERT, TRIP_UPDATE, DEVICE_STATE)


def utc(dt: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


@dataclass(frozen=True)
class Event:
    """One normalized feed record.

    `source` is the connector name, `source_id` identifies the record within the source so that
    ingest is idempotent: the same (source, kind, source_id) is stored once. `updated_at` orders
    versions of the same record: an older version never overwrites a newer one.
    """

    source: str
    kind: str
    source_id: str
    observed_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if not self.source or not self.source_id:
            raise ValueError("an event needs a source and a source_id")
        object.__setattr__(self, "observed_at", utc(self.observed_at))
        object.__setattr__(self, "updated_at", utc(self.updated_at or self.observed_at))
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise ValueError(f"latitude {self.lat} out of range")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise ValueError(f"longitude {self.lon} out of range")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.kind, self.source_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "source_id": self.source_id,
            "observed_at": self.observed_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "lat": self.lat,
            "lon": self.lon,
            "payload": self.payload,
        }
