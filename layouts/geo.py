"""City reference data as map input: districts as GeoJSON, the city's bounds. Pure."""
from __future__ import annotations

from dashboard.domain.city import City
from dashboard.domain.geo import bbox


def districts_geojson(city: City) -> dict:
    """The districts to draw: simplified copies (half a pixel of the wall's map; issue 15)."""
    from dashboard.geo.drawing import district_drawing
    drawn = district_drawing(city)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": drawn.get(d.code, d.geometry),
         "properties": {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}} for d in city.districts]}


def city_bounds(city: City) -> list[list[float]]:
    """[[south, west], [north, east]] of the districts (Leaflet order)."""
    west, south, east, north = bbox(d.geometry for d in city.districts)
    return [[south, west], [north, east]]
