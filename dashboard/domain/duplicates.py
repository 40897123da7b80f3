"""Likely duplicates: the same category, close in space and time, still open."""
from __future__ import annotations

import re
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


SAME_STREET_M = 400.0    # on the same street: "30 house numbers apart" is still the same problem
SEARCH_M = max(DEFAULT_DISTANCE_M, SAME_STREET_M)   # the box the store searches first

_STREET_ZH = re.compile(r"(?:^|[区县市镇])(?P<street>[\u4e00-\u9fff]{1,12}?(?:大道|大街|路|街|道|巷|弄|胡同))\s*\d")
_STREET_EN = re.compile(r"\d+\s*(?P<street>[A-Za-z][A-Za-z .'-]*?\b(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Way|Boulevard|Blvd))\b",
                        re.IGNORECASE)


def street_of(address: str | None) -> str | None:
    """The street of an address ("东湖区峨眉路338号附近" → "峨眉路", "338 Emei Road" → "emei road")."""
    if not address:
        return None
    m = _STREET_ZH.search(address)
    if m:
        return m.group("street")
    m = _STREET_EN.search(address)
    return " ".join(m.group("street").lower().split()) if m else None


def likely_duplicates(candidate: dict, others: list[dict], distance_m: float = DEFAULT_DISTANCE_M,
                      window: timedelta = DEFAULT_WINDOW, same_street_m: float = SAME_STREET_M) -> list[dict]:
    """`others` that look like the same problem as `candidate`, nearest first: the same category, reported
    within `window`, and within `distance_m` — or within `same_street_m` on the same street (by address).
    Each dict has id, category, lat, lon, reported_at (and address); each found one gets distance_m and
    why ("near" or "same_street")."""
    if candidate.get("lat") is None or candidate.get("lon") is None:
        return []
    at: datetime = candidate["reported_at"]
    street = street_of(candidate.get("address"))
    found = []
    for other in others:
        if other["id"] == candidate.get("id") or other["category"] != candidate["category"]:
            continue
        if other.get("lat") is None or abs(other["reported_at"] - at) > window:
            continue
        d = haversine_m((candidate["lon"], candidate["lat"]), (other["lon"], other["lat"]))
        if d <= distance_m:
            found.append((d, other, "near"))
        elif d <= same_street_m and street and street == street_of(other.get("address")):
            found.append((d, other, "same_street"))
    return [o | {"distance_m": round(d, 1), "why": why} for d, o, why in sorted(found, key=lambda x: x[0])]
