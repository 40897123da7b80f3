"""Time helpers: the city lives in Asia/Shanghai; feeds speak ISO 8601."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local(dt: datetime) -> datetime:
    return dt.astimezone(CITY_TZ)


def local_hour(dt: datetime) -> float:
    t = local(dt)
    return t.hour + t.minute / 60 + t.second / 3600


def iso_local(dt: datetime) -> str:
    """2025-06-01T08:30:00+08:00 (what Open311 and CAP carry)."""
    return local(dt).replace(microsecond=0).isoformat()


def iso_utc(dt: datetime) -> str:
    """2025-06-01T00:30:00Z (what SensorThings and the traffic stream carry)."""
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is taken as the city's local time."""
    dt = datetime.fromisoformat(text.strip().replace(" ", "+") if "T" in text else text.strip())
    return dt if dt.tzinfo else dt.replace(tzinfo=CITY_TZ)


def clip01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def bump(hour: float, centre: float, width: float) -> float:
    """A smooth bump of height 1 at `centre` (hours), wrapping round midnight."""
    d = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-0.5 * (d / width) ** 2)


def ceil_second(dt: datetime) -> datetime:
    """Feed times are whole seconds, and content appears exactly at its time, so a client that asks
    for "updated after the last time I saw" never misses a record stamped in the same second."""
    return dt if dt.microsecond == 0 else dt.replace(microsecond=0) + timedelta(seconds=1)


class ManualClock:
    """A clock that moves only when told to: for tests, and for replaying the demo at a chosen time."""

    def __init__(self, start: datetime):
        self.now = start if start.tzinfo else start.replace(tzinfo=CITY_TZ)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
