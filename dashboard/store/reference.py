"""Reference data: the city in force — districts, departments, categories, routing rules, road
segments, stations, source-id maps, calendar years, bus routes — and its version.

Reference rows are never deleted while history may name them: a district, department or category
that leaves the city is kept with `retired` set, so past incidents keep their codes and names."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain.categories import Category
from dashboard.domain.city import BusRoute, City, Department, District, RoadSegment, SourceId, Station
from dashboard.domain.routing import RoutingRule
from dashboard.domain.work_calendar import CalendarYear, WorkCalendar

from . import schema as t
from . import schema_city as c

NO_CITY = ("the store holds no city: import the city's package with `cityops city import DIR --commit` "
           "(`cityops city init DIR` writes a starter package), or run with the demo city (CITYOPS_DEMO=true)")


class NoCityError(LookupError):
    """The store holds no city yet."""


def _replace(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    conn.execute(table.delete())
    if rows:
        conn.execute(table.insert(), rows)


def _periods(city: City) -> list[str]:
    return [f"{a.strftime('%H:%M')}-{b.strftime('%H:%M')}" for a, b in city.calendar.working_periods]


def city_version(conn: Connection) -> int:
    """A number that changes with every change of the city in force (cheap: one row)."""
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == "city_version")).scalar()
    return int((value or {}).get("serial", 0))


def _bump_version(conn: Connection, now: datetime) -> int:
    serial = city_version(conn) + 1
    conn.execute(t.meta.delete().where(t.meta.c.key == "city_version"))
    conn.execute(t.meta.insert().values(key="city_version", updated_at=now, value={"serial": serial}))
    return serial


def save_city(conn: Connection, city: City) -> None:
    """Write a city's reference data in place of what was there (the caller keeps retired rows in
    `city.retired_*` and categories' `retired`), and move the city version on."""
    now = datetime.now(timezone.utc)
    conn.execute(t.meta.delete().where(t.meta.c.key == "city"))
    conn.execute(t.meta.insert().values(key="city", updated_at=now, value={
        "name_zh": city.name_zh, "name_en": city.name_en, "center": list(city.center),
        "timezone": city.timezone, "default_language": city.default_language, "version": city.version,
        "working_periods": _periods(city), "rules": dict(city.rule_categories),
        "routes": [{"id": r.id, "short_name": r.short_name, "geometry": r.geometry} for r in city.routes],
        # departments renamed or merged (new code → old codes); kept here, no column of their own
        "replaces": {d.code: list(d.replaces) for d in city.departments + city.retired_departments if d.replaces},
        # categories.csv's needs_verification (code → yes/no) where the package says it; no column of their own
        "needs_verification": {x.code: x.needs_verification for x in city.categories
                               if x.needs_verification is not None}}))
    _replace(conn, t.districts, [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "geometry": d.geometry, "retired": d.retired}
        for d in city.districts + city.retired_districts])
    _replace(conn, t.departments, [
        {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "categories": list(d.categories),
         "districts": list(d.districts), "level": d.level, "contact": d.contact, "retired": d.retired}
        for d in city.departments + city.retired_departments])
    _replace(conn, t.road_segments, [
        {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district,
         "free_flow_kmh": s.free_flow_kmh, "geometry": s.geometry} for s in city.segments])
    _replace(conn, t.stations, [
        {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "district": s.district, "lon": s.lon,
         "lat": s.lat} for s in city.stations])
    _replace(conn, c.categories, [
        {"code": x.code, "kind": x.domain, "group_code": x.group_code, "group_zh": x.group_zh, "group_en": x.group_en,
         "name_zh": x.name_zh, "name_en": x.name_en, "default_priority": x.default_priority,
         "reportable": x.reportable, "limits": {str(p): v for p, v in enumerate(x.limits, start=1)},
         "standard_open": x.standard_open, "standard_close": x.standard_close, "retired": x.retired}
        for x in city.categories])
    _replace(conn, c.source_ids, [
        {"source": s.source, "source_id": s.source_id, "kind": s.kind, "target": s.target} for s in city.source_ids])
    _replace(conn, c.calendar_years, [
        {"year": y.year, "status": y.status, "source": y.source,
         "holidays": [[d.isoformat(), n] for d, n in y.holidays],
         "workdays": [[d.isoformat(), n] for d, n in y.workdays]} for y in city.calendar.years])
    if city.routing:   # a city without rules (built in code) keeps the store's rules
        _replace(conn, t.routing_rules, [
            {"category": r.category, "district": r.district, "department": r.department,
             "auto_dispatch": r.auto_dispatch, "is_group": r.is_group, "updated_at": now} for r in city.routing])
    _bump_version(conn, now)


def has_city(conn: Connection) -> bool:
    return conn.execute(sa.select(sa.func.count()).select_from(t.districts)).scalar_one() > 0


def load_city(conn: Connection) -> City:
    """The city in force; LookupError (saying how to import one) when the store holds none."""
    all_districts = [District(r.code, r.name_zh, r.name_en, r.geometry, bool(r.retired))
                     for r in conn.execute(sa.select(t.districts).order_by(t.districts.c.code))]
    if not all_districts:
        raise NoCityError(NO_CITY)
    info = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == "city")).scalar() or {}
    replaces = info.get("replaces") or {}
    verify = info.get("needs_verification") or {}
    all_departments = [Department(r.code, r.name_zh, r.name_en, tuple(r.categories), tuple(r.districts),
                                  r.level or "", r.contact or "", bool(r.retired), tuple(replaces.get(r.code) or ()))
                       for r in conn.execute(sa.select(t.departments).order_by(t.departments.c.code))]
    segments = tuple(RoadSegment(r.id, r.name_zh, r.name_en, r.district, r.free_flow_kmh, r.geometry)
                     for r in conn.execute(sa.select(t.road_segments).order_by(t.road_segments.c.id)))
    stations = tuple(Station(r.id, r.name_zh, r.name_en, r.district, r.lon, r.lat)
                     for r in conn.execute(sa.select(t.stations).order_by(t.stations.c.id)))
    categories = tuple(
        Category(r.code, r.kind, r.group_zh, r.group_en, r.name_zh, r.name_en, r.default_priority,
                 group_code=r.group_code, reportable=bool(r.reportable),
                 limits=tuple((r.limits or {}).get(str(p), "") for p in range(1, 5)) if r.limits else (),
                 standard_open=r.standard_open, standard_close=r.standard_close, retired=bool(r.retired),
                 needs_verification=verify.get(r.code))
        for r in conn.execute(sa.select(c.categories).order_by(c.categories.c.code)))
    rr = t.routing_rules.c
    rules = tuple(RoutingRule(r.category, r.district, r.department, bool(r.auto_dispatch), bool(r.is_group))
                  for r in conn.execute(sa.select(t.routing_rules).order_by(rr.is_group, rr.category, rr.district)))
    source_ids = tuple(SourceId(r.source, r.source_id, r.kind, r.target) for r in conn.execute(
        sa.select(c.source_ids).order_by(c.source_ids.c.source, c.source_ids.c.source_id)))
    years = tuple(CalendarYear(r.year, r.status, r.source,
                               tuple((date.fromisoformat(d), n) for d, n in r.holidays),
                               tuple((date.fromisoformat(d), n) for d, n in r.workdays))
                  for r in conn.execute(sa.select(c.calendar_years).order_by(c.calendar_years.c.year)))
    periods = tuple((time.fromisoformat(p.split("-")[0]), time.fromisoformat(p.split("-")[1]))
                    for p in info.get("working_periods") or ())
    calendar = WorkCalendar(years, periods) if periods else WorkCalendar(years)
    city = City(info.get("name_zh", "城市"), info.get("name_en", "City"), (0.0, 0.0),
                tuple(d for d in all_districts if not d.retired), tuple(d for d in all_departments if not d.retired),
                segments, stations,
                routes=tuple(BusRoute(r["id"], r["short_name"], r["geometry"]) for r in info.get("routes") or ()),
                categories=categories, routing=rules, calendar=calendar, source_ids=source_ids,
                timezone=info.get("timezone") or "", default_language=info.get("default_language") or "",
                version=info.get("version") or "", rule_categories=tuple(sorted((info.get("rules") or {}).items())),
                retired_districts=tuple(d for d in all_districts if d.retired),
                retired_departments=tuple(d for d in all_departments if d.retired))
    if info.get("center"):
        center = tuple(info["center"])
    else:
        w, s, e, n = city.bounds()
        center = ((w + e) / 2, (s + n) / 2)
    from dataclasses import replace
    return replace(city, center=center)
