"""The city's geography at work: the unit grid (单元网格) and areas named by code.

- `cell_at(services, lon, lat)`: the grid cell a point lies in (STRtree), for every new incident.
- `suggest(rules, category, district, cell, group)`: routing where a rule's area may be a district or
  a grid cell; the more specific wins (category before 大类, cell before district before city-wide).
- `districts_for_codes(services, geocodes)`: CAP <geocode> / EIDO location codes → the city's
  districts, when the districts carry those codes (a district's own code is its administrative
  division code; the area_codes table adds SAME/FIPS or older codes).
- `import_grid(store, cells)` / `import_area_codes(store, rows)`: what the city package import stores.

Indexes are built once per process and rebuilt when the store's geography version moves (checked
at most every few seconds), held on the Services object — never in a module global.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

from dashboard.domain.geo import AreaIndex
from dashboard.domain.routing import RoutingRule
from dashboard.store import geo as geo_store, utcnow

CHECK_SECONDS = 5.0
ADMIN_SCHEMES = ("", "行政区划代码", "ADMINCODE", "ADMIN", "GB/T 2260", "GB2260", "ADCODE", "AREA_CODE", "XZQH")


@dataclass
class _GeoState:
    version: int = -1
    checked_at: float = 0.0
    grid: AreaIndex | None = None
    cell_district: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)        # (scheme upper, value) → [district]
    lock: threading.Lock = field(default_factory=threading.Lock)


def _state(services, conn=None) -> _GeoState:
    """The indexes; `conn`: the caller's connection when it is inside a transaction (no second one)."""
    state = services.__dict__.get("_geo_state")
    if state is None:
        state = services.__dict__.setdefault("_geo_state", _GeoState())
    now = time.monotonic()
    if now - state.checked_at < CHECK_SECONDS and state.version >= 0:
        return state
    with state.lock:
        if now - state.checked_at < CHECK_SECONDS and state.version >= 0:
            return state
        with _connection(services, conn) as conn:
            version = geo_store.version(conn)
            if version != state.version:
                cells = geo_store.grid_cells(conn)
                codes = geo_store.area_codes(conn)
                state.grid = AreaIndex((c["code"], c["geometry"]) for c in cells) if cells else None
                state.cell_district = {c["code"]: c["district"] for c in cells}
                state.codes = {}
                for r in codes:
                    state.codes.setdefault((r["scheme"].upper(), r["value"]), []).append(r["district"])
                state.version = version
        state.checked_at = now
    return state


def _connection(services, conn):
    from contextlib import nullcontext
    return nullcontext(conn) if conn is not None else services.store.connect()


def has_grid(services) -> bool:
    return _state(services).grid is not None


def cell_at(services, lon: float | None, lat: float | None, conn=None) -> str | None:
    if lon is None or lat is None:
        return None
    grid = _state(services, conn).grid
    return grid.at(lon, lat) if grid is not None else None


def cell_district(services, cell: str | None) -> str | None:
    return _state(services).cell_district.get(cell) if cell else None


def import_grid(store, cells: list[dict]) -> int:
    """Replace the unit grid: [{"code", "district", "name", "geometry" (GeoJSON, WGS-84)}]."""
    with store.begin() as conn:
        geo_store.put_grid_cells(conn, cells, utcnow())
    return len(cells)


def import_area_codes(store, rows: list[dict]) -> int:
    with store.begin() as conn:
        geo_store.put_area_codes(conn, rows, utcnow())
    return len(rows)


# -- routing by area ------------------------------------------------------------------------------------
def suggest(rules: Iterable[RoutingRule], category: str, district: str | None, cell: str | None,
            group: str | None = None) -> RoutingRule | None:
    """The most specific rule: category in the cell, in the district, city-wide; then the 大类 likewise."""
    rules = list(rules)
    areas = [a for a in (cell, district) if a] + [None]
    for is_group in (False, True):
        key = group if is_group else category
        if key is None:
            continue
        for area in areas:
            for r in rules:
                if r.is_group == is_group and r.category == key and r.district == area:
                    return r
    return None


# -- areas by code ---------------------------------------------------------------------------------------
def districts_for_codes(services, geocodes: Iterable[dict], conn=None) -> list[str]:
    """District codes for [{valueName, value}]: a value naming a district (its own code, or a row of
    area_codes with that scheme); a longer administrative code inside a district (a street or
    community: 330106001 → 330106); a shorter one above several (a city: 330100 → 3301xx)."""
    state = _state(services, conn)
    districts = [d.code for d in services.city.districts]
    found: list[str] = []

    def add(code: str) -> None:
        if code in districts and code not in found:
            found.append(code)
    for g in geocodes or ():
        scheme = str(g.get("valueName") or g.get("value_name") or "").strip()
        value = str(g.get("value") or "").strip()
        if not value:
            continue
        for d in state.codes.get((scheme.upper(), value), ()):
            add(d)
        if scheme.upper() not in {s.upper() for s in ADMIN_SCHEMES} and not value.isdigit():
            continue
        if value in districts:
            add(value)
            continue
        if value.isdigit():
            for d in districts:
                if d.isdigit() and len(value) > len(d) and value.startswith(d):
                    add(d)             # a street, community or grid cell inside the district
            stem = value.rstrip("0")
            if len(stem) >= 2:
                for d in districts:
                    if d.isdigit() and len(d) >= len(value.rstrip("0")) and d != value and d.startswith(stem) \
                            and len(value) <= len(d):
                        add(d)          # a city or county above several districts
    return found


def _union_geojson(services, districts: list[str]) -> tuple[dict, float, float] | None:
    import shapely
    from shapely.geometry import mapping, shape
    geoms = [shape(d.geometry) for d in services.city.districts if d.code in districts]
    if not geoms:
        return None
    union = shapely.union_all(geoms)
    point = union.representative_point()
    return mapping(union), float(point.x), float(point.y)


def districts_touching(services, geometry: dict | None) -> list[str]:
    """The districts an area (GeoJSON) overlaps, in the city's order."""
    if not geometry:
        return []
    import shapely
    from shapely.geometry import shape
    index = services.city.district_index
    area = shape(geometry)
    hits = set(index.tree.query(area, predicate="intersects").tolist())
    return [index.codes[i] for i in sorted(hits)]


def place_by_codes(services, event, conn=None):
    """An alert or a report whose area is given only by codes (CAP <geocode>, EIDO location codes):
    the event with the districts' outline as its geometry, a point inside it, and payload
    "districts"; an event that has a geometry gets the districts it overlaps. None: nothing to add."""
    from dataclasses import replace
    payload = event.payload or {}
    codes = payload.get("geocodes") or payload.get("location_codes") or []
    if isinstance(codes, dict):
        codes = [{"valueName": k, "value": v} for k, v in codes.items()]
    if payload.get("geometry"):
        touched = districts_touching(services, payload["geometry"])
        return replace(event, payload=payload | {"districts": touched}) if touched else None
    districts = districts_for_codes(services, [c for c in codes if isinstance(c, dict)], conn)
    if not districts:
        return None
    placed = _union_geojson(services, districts)
    if placed is None:
        return None
    geometry, lon, lat = placed
    lat_, lon_ = (event.lat, event.lon) if event.lat is not None and event.lon is not None else (lat, lon)
    return replace(event, lat=lat_, lon=lon_,
                   payload=payload | {"districts": districts, "geometry": geometry, "placed_by": "geocode"})


def hot_cells(services, identity, query, now=None) -> list[dict]:
    """The review's hot spots by unit-grid cell: incidents created in the period per cell, with the
    cell's outline and district (empty when the city has no grid)."""
    from dashboard.store import utcnow as _now
    from .evaluation import periods, scope_of
    scope = scope_of(identity)
    current, _ = periods(services, query, now or _now())
    state = _state(services)
    if state.grid is None:
        return []
    with services.store.connect() as conn:
        counts = geo_store.cell_counts(conn, current.start, current.end, query.category, scope)
    from shapely.geometry import mapping
    out = []
    for c in counts:
        geometry = state.grid.geometry(c["code"])
        out.append(c | {"district": state.cell_district.get(c["code"]),
                        "geometry": mapping(geometry) if geometry is not None else None})
    return out
