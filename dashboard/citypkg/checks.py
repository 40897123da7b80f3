"""Checks across the package's files: geometry (shapely), routing names and coverage, stations and
segments inside the districts, users' departments, the feed rules' categories."""
from __future__ import annotations

from typing import TYPE_CHECKING

import shapely
from pyproj import Geod
from shapely.geometry import shape
from shapely.validation import explain_validity

from dashboard.domain import routing

from .read import (CATEGORIES, CITY_TOML, DEPARTMENTS, DISTRICTS, ROUTING, SEGMENTS, SEGMENTS_CSV, SOURCE_IDS,
                   STATIONS, USERS)

if TYPE_CHECKING:
    from .read import Package

GEOD = Geod(ellps="WGS84")
MIN_OVERLAP_M2 = 1.0        # shared edges digitised twice overlap by slivers; a square metre is a real overlap


def area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def _where(package: "Package", kind: str, code: str, default_file: str) -> tuple[str, str]:
    return package.places.get((kind, code), (default_file, ""))


def check(package: "Package") -> None:
    city, problems = package.city, package.problems
    districts = city.districts
    shapes = {}
    for d in districts + city.retired_districts:
        file, where = _where(package, "district", d.code, DISTRICTS)
        try:
            geom = shape(d.geometry)
        except Exception as exc:   # noqa: BLE001 - whatever shapely cannot read is reported
            problems.error(file, where, f"district {d.code}: the polygon cannot be read ({exc})", "draw it again")
            continue
        if not geom.is_valid:
            reason = explain_validity(geom)
            what = "crosses itself" if "Self-intersection" in reason else "is not a valid polygon"
            problems.error(file, where, f"district {d.code} {what} ({reason})",
                           "fix the outline in the GIS tool (e.g. QGIS: Vector › Geometry Tools › Check Validity)")
            geom = shapely.make_valid(geom)
        if not d.retired:
            shapes[d.code] = geom
    codes = list(shapes)
    tree = shapely.STRtree([shapes[c] for c in codes])
    for i, a in enumerate(codes):
        for j in tree.query(shapes[a]):
            if j <= i:
                continue
            b = codes[j]
            overlap = shapes[a].intersection(shapes[b])
            m2 = area_m2(overlap) if not overlap.is_empty else 0.0
            if m2 >= MIN_OVERLAP_M2:
                file, where = _where(package, "district", a, DISTRICTS)
                other = _where(package, "district", b, DISTRICTS)[1]
                problems.error(file, where, f"district {a} overlaps district {b} ({other}) by {m2:,.0f} m² "
                               f"({m2 / 1e6:.3f} km²)", "make the two districts share their border exactly")
    union = shapely.union_all(list(shapes.values())) if shapes else None
    known_districts = {d.code for d in districts}
    all_districts = known_districts | {d.code for d in city.retired_districts}
    departments = {d.code for d in city.departments}
    all_departments = departments | {d.code for d in city.retired_departments}
    for d in city.departments + city.retired_departments:
        file, where = _where(package, "department", d.code, DEPARTMENTS)
        for code in d.districts:
            if code not in all_districts:
                problems.error(file, where, f"department {d.code} covers district {code!r}, which districts.geojson does not have",
                               "use a district code from districts.geojson")
    cats = city.categories_by_code
    for rule in city.routing:
        file, where = _where(package, "rule", f"{rule.category}@{rule.district}", ROUTING)
        if rule.district is not None and rule.district not in known_districts:
            problems.error(file, where, f"names district {rule.district!r}, which districts.geojson does not have"
                           + (" in force (it is retired)" if rule.district in all_districts else ""),
                           "use a district code from districts.geojson, or leave district empty for the whole city")
        if rule.department not in departments:
            problems.error(file, where, f"names department {rule.department!r}, which departments.csv does not have"
                           + (" in force (it is retired)" if rule.department in all_departments else ""),
                           "use a department code from departments.csv")
    # every category citizens may report must reach a department in every district
    for cat in city.reportable_categories():
        missing = [d.code for d in districts
                   if routing.suggest(city.routing, cat.code, d.code, cat.group_key) is None]
        if missing:
            file, where = _where(package, "category", cat.code, CATEGORIES)
            problems.error(file, where, f"category {cat.code} {cat.name_zh} may be reported by citizens, but no "
                           f"department covers it in district{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                           f"add a rule in {ROUTING} for {cat.code} (or its 大类 {cat.group_code}) in "
                           f"{'those districts' if len(missing) > 1 else missing[0]}, or a city-wide one (district empty)")
    named = dict(city.rule_categories)
    for rule, code in named.items():
        if code not in cats:
            problems.error(CITY_TOML, "[rules]", f"{rule} = {code!r} names a category categories.csv does not have",
                           "use a code from categories.csv")
    for rule in ("congestion", "air_exceedance", "severe_weather", "other"):
        code = city.rule_category(rule)
        if rule not in named and code not in cats:
            problems.warn(CITY_TOML, "[rules]", f"the {rule} rule files incidents in category {code}, which "
                          "categories.csv does not have", f'add {rule} = "<code>" under [rules]')
    # stations and segments inside the city
    for st in city.stations:
        file, where = _where(package, "station", st.id, STATIONS)
        if st.district not in known_districts:
            problems.error(file, where, f"station {st.id} names district {st.district!r}, which districts.geojson does "
                           "not have in force", "use a district code from districts.geojson")
        if union is not None and not union.covers(shapely.Point(st.lon, st.lat)):
            problems.error(file, where, f"station {st.id} at {st.lon:.5f}, {st.lat:.5f} lies outside every district",
                           "check its longitude and latitude (WGS-84, not GCJ-02), or the districts' outlines")
    segment_file = SEGMENTS if (package.path / SEGMENTS).is_file() else SEGMENTS_CSV
    if city.segments and union is not None:
        lines = [shape(s.geometry) for s in city.segments]
        inside = shapely.intersects(lines, union)
        for seg, ok in zip(city.segments, inside):
            file, where = _where(package, "segment", seg.id, segment_file)
            if not ok:
                problems.error(file, where, f"segment {seg.id} lies outside every district",
                               "check its coordinates (WGS-84 longitude, latitude) or the districts' outlines")
            elif seg.district not in known_districts:
                problems.error(file, where, f"segment {seg.id} names district {seg.district!r}, which districts.geojson "
                               "does not have in force", "use a district code from districts.geojson")
    for sid in city.source_ids:
        file, where = _where(package, "source id", f"{sid.source}/{sid.source_id}", SOURCE_IDS)
        known = city.segments_by_id if sid.kind == "segment" else city.stations_by_id
        if sid.target not in known:
            problems.error(file, where, f"{sid.source} id {sid.source_id} maps to {sid.kind} {sid.target!r}, which the "
                           f"package does not have", f"use an id from the {sid.kind}s' file")
    for user in package.users:
        if user.department and user.department not in departments:
            problems.error(USERS, "", f"user {user.username} names department {user.department!r}, which "
                           "departments.csv does not have in force", "use a department code from departments.csv")
        if user.role == "operator" and not user.department:
            problems.error(USERS, "", f"user {user.username} is an operator without a department",
                           "give the operator's department code")
