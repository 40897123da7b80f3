"""Reference data: districts, departments, road segments, stations."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain.city import City, Department, District, RoadSegment, Station

from . import schema as t


def _replace(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    conn.execute(table.delete())
    if rows:
        conn.execute(table.insert(), rows)


def save_city(conn: Connection, city: City) -> None:
    """Write a city's reference data, replacing what was there (reference data is not history)."""
    conn.execute(t.meta.delete().where(t.meta.c.key == "city"))
    conn.execute(t.meta.insert().values(key="city", updated_at=datetime.now(timezone.utc), value={
        "name_zh": city.name_zh, "name_en": city.name_en, "center": list(city.center)}))
    _replace(conn, t.districts, [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "geometry": d.geometry} for d in city.districts])
    _replace(conn, t.departments, [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "categories": list(d.categories),
         "districts": list(d.districts)} for d in city.departments])
    _replace(conn, t.road_segments, [
        {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district,
         "free_flow_kmh": s.free_flow_kmh, "geometry": s.geometry} for s in city.segments])
    _replace(conn, t.stations, [
        {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district, "lon": s.lon,
         "lat": s.lat} for s in city.stations])


def load_city(conn: Connection) -> City:
    districts = tuple(District(r.code, r.name_zh, r.name_en, r.geometry)
                      for r in conn.execute(sa.select(t.districts).order_by(t.districts.c.code)))
    departments = tuple(Department(r.code, r.name_zh, r.name_en, tuple(r.categories), tuple(r.districts))
                        for r in conn.execute(sa.select(t.departments).order_by(t.departments.c.code)))
    segments = tuple(RoadSegment(r.id, r.name_zh, r.name_en, r.district, r.free_flow_kmh, r.geometry)
                     for r in conn.execute(sa.select(t.road_segments).order_by(t.road_segments.c.id)))
    stations = tuple(Station(r.id, r.name_zh, r.name_en, r.district, r.lon, r.lat)
                     for r in conn.execute(sa.select(t.stations).order_by(t.stations.c.id)))
    if not districts:
        raise LookupError("the store holds no city: start with the demo city or load the city's reference data")
    info = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == "city")).scalar() or {}
    lons = [p[0] for d in districts for p in d.geometry["coordinates"][0]]
    lats = [p[1] for d in districts for p in d.geometry["coordinates"][0]]
    center = tuple(info.get("center") or ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2))
    return City(info.get("name_zh", "城市"), info.get("name_en", "City"), center, districts, departments,
                segments, stations)
