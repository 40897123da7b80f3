"""Where a NENA EIDO location is: a PIDF-LO document (GML shapes, latitude first; civicAddress)
or a GeoJSON Point, as locationByValue carries it (pure)."""
from __future__ import annotations

from typing import Any

from . import parsing as p
from .errors import ParseError
from .xml_safe import local, parse_xml


def location_by_value(value: Any, where: str) -> tuple[float | None, float | None, str | None]:
    """lat, lon and a civic address from a PIDF-LO document or a GeoJSON Point."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None, None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = p.load_json(value, where)
    if isinstance(value, dict):
        geometry = value.get("geometry") if value.get("type") == "Feature" else value
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise ParseError("expected a GeoJSON Point or a PIDF-LO document", where)
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise ParseError("a Point needs [lon, lat]", f"{where}.coordinates")
        return p.latitude(coords[1], f"{where}.coordinates[1]"), p.longitude(coords[0], f"{where}.coordinates[0]"), None
    if not isinstance(value, str):
        raise ParseError(f"expected a PIDF-LO document or a GeoJSON Point, got {type(value).__name__}", where)
    root = parse_xml(value, where)
    lat, lon = _gml_position(root, where)
    return lat, lon, _civic_address(root)


SHAPES_WITH_A_CENTRE = ("Point", "Circle", "Ellipse", "ArcBand", "Sphere", "Ellipsoid", "Prism")


def _gml_position(root, where: str) -> tuple[float | None, float | None]:
    """GML in PIDF-LO is latitude first ("32.05 118.80", EPSG::4326)."""
    for elem in root.iter():
        name = local(elem.tag)
        if name not in SHAPES_WITH_A_CENTRE and name != "Polygon":
            continue
        numbers: list[str] = []
        for pos in elem.iter():
            if local(pos.tag) in ("pos", "posList"):
                numbers.extend((pos.text or "").split())
                if name != "Polygon":
                    break
        dims = 3 if (elem.get("srsName") or "").endswith("4979") else 2   # EPSG 4979 adds a height
        if len(numbers) < 2:
            raise ParseError(f"a gml:{name} without a position", f"{where}.{name}.pos")
        pairs = [numbers[i:i + 2] for i in range(0, len(numbers) - 1, dims)]
        if len(pairs) > 1 and pairs[0] == pairs[-1]:
            pairs.pop()   # a closed ring repeats its first vertex
        lats = [p.number(a, f"{where}.{name}.pos") for a, _ in pairs]
        lons = [p.number(b, f"{where}.{name}.pos") for _, b in pairs]
        return (p.latitude(sum(lats) / len(lats), f"{where}.{name}.pos"),
                p.longitude(sum(lons) / len(lons), f"{where}.{name}.pos"))
    return None, None


def _civic_address(root) -> str | None:
    civic = next((e for e in root.iter() if local(e.tag) == "civicAddress"), None)
    if civic is None:
        return None
    parts = {local(c.tag): (c.text or "").strip() for c in civic if (c.text or "").strip()}
    street = " ".join(parts[k] for k in ("HNO", "HNS", "PRD", "RD", "STS", "POD") if k in parts)
    region = " ".join(parts[k] for k in ("A1", "PC") if k in parts)
    text = ", ".join(x for x in (street, parts.get("LOC"), parts.get("A4"), parts.get("A3"), region) if x)
    return text or None
