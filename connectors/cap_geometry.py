"""CAP area shapes → GeoJSON (longitude first). CAP writes "lat,lon" pairs; a circle is
"lat,lon radius_km" and becomes a 32-point polygon."""
from __future__ import annotations

import math

from dashboard.domain.geo import EARTH_RADIUS_M

from . import parsing as p
from .errors import ParseError

CIRCLE_POINTS = 32


def _pair(token: str, where: str) -> list[float]:
    parts = token.split(",")
    if len(parts) != 2:
        raise ParseError(f"expected lat,lon, got {token[:40]!r}", where)
    lat = p.latitude(parts[0], where)
    lon = p.longitude(parts[1], where)
    return [lon, lat]


def polygon_ring(text: str, where: str) -> list[list[float]]:
    """ "lat,lon lat,lon …" → a closed [lon, lat] ring."""
    ring = [_pair(token, f"{where}[{i}]") for i, token in enumerate(text.split())]
    if ring and ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    if len({tuple(c) for c in ring}) < 3:
        raise ParseError(f"a polygon needs at least 3 distinct points, got {len({tuple(c) for c in ring})}", where)
    return ring


def circle_ring(text: str, where: str) -> tuple[list[list[float]] | None, list[float]]:
    """ "lat,lon radius_km" → (a closed counter-clockwise ring of CIRCLE_POINTS points, the centre
    [lon, lat]). Radius 0 (as in the CAP spec's earthquake example) is a point: no ring."""
    parts = text.split()
    if len(parts) != 2:
        raise ParseError(f"expected 'lat,lon radius', got {text[:60]!r}", where)
    lon0, lat0 = _pair(parts[0], where)
    radius_km = p.number(parts[1], f"{where}.radius")
    if not 0 <= radius_km <= 10000:
        raise ParseError(f"radius {radius_km} km is not usable (0 ≤ r ≤ 10000)", f"{where}.radius")
    if radius_km == 0:
        return None, [lon0, lat0]
    d = radius_km * 1000 / EARTH_RADIUS_M
    phi1, lam1 = math.radians(lat0), math.radians(lon0)
    ring = []
    for k in range(CIRCLE_POINTS):
        theta = -2 * math.pi * k / CIRCLE_POINTS   # bearings run clockwise; negative gives a CCW ring
        phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
        lam2 = lam1 + math.atan2(math.sin(theta) * math.sin(d) * math.cos(phi1),
                                 math.cos(d) - math.sin(phi1) * math.sin(phi2))
        lon = (math.degrees(lam2) + 540) % 360 - 180
        ring.append([round(lon, 6), round(math.degrees(phi2), 6)])
    ring.append(list(ring[0]))
    return ring, [lon0, lat0]


def geometry(rings: list[list[list[float]]]) -> dict | None:
    if not rings:
        return None
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": [rings[0]]}
    return {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}


def centroid(rings: list[list[list[float]]]) -> tuple[float, float] | None:
    """(lon, lat): the rings' centroids weighted by their areas (planar, fine at city scale);
    the mean of the vertices if the rings have no area."""
    if not rings:
        return None
    total = sx = sy = 0.0
    for ring in rings:
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > 1e-15:
            weight = abs(area) / 2
            sx += cx / (3 * area) * weight
            sy += cy / (3 * area) * weight
            total += weight
    if total > 0:
        lon, lat = sx / total, sy / total
    else:
        points = [c for ring in rings for c in ring[:-1]]
        lon, lat = sum(c[0] for c in points) / len(points), sum(c[1] for c in points) / len(points)
    return max(-180.0, min(180.0, lon)), max(-90.0, min(90.0, lat))


def mean_point(points: list[list[float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return sum(c[0] for c in points) / len(points), sum(c[1] for c in points) / len(points)
