"""Simplified copies of the districts for drawing: half a pixel of the wall's map (the city across
1920 pixels) as the tolerance, shared borders kept shared. Lookups keep the exact geometry. Pure;
computed once per City (an import makes a new City)."""
from __future__ import annotations

import shapely
from shapely.geometry import shape

from .layers import to_geojson_many
from .quality import simplified, wall_tolerance

WALL_PIXELS = 1920


def district_drawing(city) -> dict[str, dict]:
    """district code → GeoJSON geometry to draw."""
    cache = getattr(city, "_index", None)
    if isinstance(cache, dict) and "drawing" in cache:
        return cache["drawing"]
    districts = list(city.districts)
    if not districts:
        return {}
    geoms = [shape(d.geometry) for d in districts]
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    drawn = simplified(geoms, wall_tolerance(bounds, WALL_PIXELS))
    out = {}
    for d, g in zip(districts, to_geojson_many(drawn)):
        out[d.code] = g if g is not None else d.geometry      # never draw nothing
    if isinstance(cache, dict):
        cache["drawing"] = out
    return out
