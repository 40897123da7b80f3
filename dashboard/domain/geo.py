"""Small, exact-enough geometry on longitude/latitude (GeoJSON order: lon, lat)."""
from __future__ import annotations

import math
from typing import Iterable, Sequence

EARTH_RADIUS_M = 6_371_008.8

Point = tuple[float, float]   # (lon, lat)


def haversine_m(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def point_in_ring(point: Point, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting; `ring` is a closed or open list of [lon, lat]."""
    x, y = point
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(point: Point, geometry: dict) -> bool:
    """GeoJSON Polygon or MultiPolygon; holes are respected."""
    polygons: Iterable = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for rings in polygons:
        if rings and point_in_ring(point, rings[0]) and not any(point_in_ring(point, h) for h in rings[1:]):
            return True
    return False


def bbox(geometries: Iterable[dict]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of GeoJSON geometries."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def line_midpoint(coords: Sequence[Sequence[float]]) -> Point:
    mid = coords[len(coords) // 2] if len(coords) % 2 else [
        (coords[len(coords) // 2 - 1][0] + coords[len(coords) // 2][0]) / 2,
        (coords[len(coords) // 2 - 1][1] + coords[len(coords) // 2][1]) / 2,
    ]
    return float(mid[0]), float(mid[1])
