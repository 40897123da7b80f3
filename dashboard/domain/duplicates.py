"""Likely duplicates: the same category, close in space and time, still open."""
from __future__ import annotations

from datetime import datetime, timedelta

from .geo import haversine_m

DEFAULT_DISTANCE_M = 50.0
DEFAULT_WINDOW = timedelta(hours=24)


def degree_box(lat: float, distance_m: float) -> tuple[float, float]:
    """Half-widths in degrees (lat, lon) of a box that holds a circle of `distance_m`."""
    import math
    dlat = distance_m / 111_320.0
    dlon = distance_m / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    return dlat, dlon


def likely_duplicates(candidate: dict, others: list[dict], distance_m: float = DEFAULT_DISTANCE_M,
                      window: timedelta = DEFAULT_WINDOW) -> list[dict]:
    """`others` that look like the same problem as `candidate`, nearest first.
    Each dict has id, category, lat, lon, reported_at."""
    if candidate.get("lat") is None or candidate.get("lon") is None:
        return []
    at: datetime = candidate["reported_at"]
    found = []
    for other in others:
        if other["id"] == candidate.get("id") or other["category"] != candidate["category"]:
            continue
        if other.get("lat") is None or abs(other["reported_at"] - at) > window:
            continue
        d = haversine_m((candidate["lon"], candidate["lat"]), (other["lon"], other["lat"]))
        if d <= distance_m:
            found.append((d, other))
    return [o | {"distance_m": round(d, 1)} for d, o in sorted(found, key=lambda x: x[0])]
