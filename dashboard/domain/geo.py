"""Geometry on longitude/latitude (GeoJSON order: lon, lat), on shapely (pure: no IO).

The spatial indexes (STRtree) answer every point → district / grid cell / nearest segment lookup:
`AreaIndex` for polygons (districts, unit-grid cells), `LineIndex` for road segments.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import shape

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0

Point = tuple[float, float]   # (lon, lat)


def haversine_m(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def to_shape(geometry: dict) -> shapely.Geometry:
    return shape(geometry)


def point_in_ring(point: Point, ring: Sequence[Sequence[float]]) -> bool:
    """`ring` is a closed or open list of [x, y]."""
    coords = [(float(p[0]), float(p[1])) for p in ring]
    if len(coords) < 3:
        return False
    return bool(shapely.contains_xy(shapely.Polygon(coords), point[0], point[1]))


def point_in_polygon(point: Point, geometry: dict) -> bool:
    """GeoJSON Polygon or MultiPolygon; holes are respected; a point on the edge counts as inside."""
    return bool(shapely.intersects_xy(shape(geometry), point[0], point[1]))


def bbox(geometries: Iterable[dict]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of GeoJSON geometries."""
    bounds = shapely.total_bounds([shape(g) for g in geometries])
    return float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3])


def exterior_rings(geometry: dict) -> list[list]:
    """The outer ring of every polygon of a GeoJSON Polygon or MultiPolygon (holes left out)."""
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"] if poly]
    return [geometry["coordinates"][0]] if geometry["coordinates"] else []


def outline_points(geometry: dict) -> list:
    """Every vertex of the outer rings (for bounds and drawing)."""
    return [p for ring in exterior_rings(geometry) for p in ring]


def line_midpoint(coords: Sequence[Sequence[float]]) -> Point:
    """The point halfway along a line (by length)."""
    line = shapely.LineString([(float(c[0]), float(c[1])) for c in coords])
    mid = line.interpolate(0.5, normalized=True)
    return float(mid.x), float(mid.y)


class AreaIndex:
    """Point → area code over polygons (districts, grid cells), with an STRtree.

    Where areas overlap, the smallest wins (the more specific one). Geometries are GeoJSON dicts or
    shapely geometries in WGS-84."""

    def __init__(self, items: Iterable[tuple[str, dict | shapely.Geometry]]) -> None:
        pairs = [(code, g if isinstance(g, shapely.Geometry) else shape(g)) for code, g in items]
        self.codes = [c for c, _ in pairs]
        self.geometries = np.array([g for _, g in pairs], dtype=object)
        shapely.prepare(self.geometries)
        self.areas = shapely.area(self.geometries) if len(pairs) else np.zeros(0)
        self.tree = shapely.STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.codes)

    def at(self, lon: float, lat: float) -> str | None:
        if not self.codes:
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        if len(hits) == 1:
            return self.codes[int(hits[0])]
        return self.codes[int(min(hits, key=lambda i: (self.areas[i], self.codes[i])))]

    def at_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]:
        out: list[str | None] = [None] * len(lons)
        if not self.codes or not len(lons):
            return out
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        pts, geoms = self.tree.query(points, predicate="intersects")
        best: dict[int, int] = {}
        for p, g in zip(pts.tolist(), geoms.tolist()):
            if p not in best or (self.areas[g], self.codes[g]) < (self.areas[best[p]], self.codes[best[p]]):
                best[p] = g
        for p, g in best.items():
            out[p] = self.codes[g]
        return out

    def geometry(self, code: str) -> shapely.Geometry | None:
        try:
            return self.geometries[self.codes.index(code)]
        except ValueError:
            return None


class LineIndex:
    """Point → nearest line (road segments), distances in metres (locally scaled longitude)."""

    def __init__(self, items: Iterable[tuple[str, dict | shapely.Geometry]], ref_lat: float | None = None) -> None:
        pairs = [(code, g if isinstance(g, shapely.Geometry) else shape(g)) for code, g in items]
        self.ids = [c for c, _ in pairs]
        raw = [g for _, g in pairs]
        if ref_lat is None:
            ref_lat = float(np.mean([g.centroid.y for g in raw])) if raw else 0.0
        self.kx = math.cos(math.radians(ref_lat))
        self.geometries = np.array([shapely.transform(g, lambda c: c * [self.kx, 1.0]) for g in raw], dtype=object)
        self.tree = shapely.STRtree(self.geometries)

    def nearest(self, lon: float, lat: float, max_distance_m: float | None = None) -> tuple[str, float] | None:
        if not self.ids:
            return None
        p = shapely.Point(lon * self.kx, lat)
        kw = {"max_distance": max_distance_m / M_PER_DEG_LAT} if max_distance_m else {}
        hits, dist = self.tree.query_nearest(p, return_distance=True, all_matches=False, **kw)
        if len(hits) == 0:
            return None
        return self.ids[int(hits[0])], float(dist[0]) * M_PER_DEG_LAT
