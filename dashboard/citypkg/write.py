"""Writing a City as a package, canonically (sorted by code, one feature per line, UTF-8, "\n"),
so that export → import → export gives byte-identical files."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from dashboard.domain.categories import KIND_WORDS
from dashboard.domain.city import City

from .read import (CALENDAR, CALENDAR_COLUMNS, CATEGORIES, CATEGORY_COLUMNS, CITY_TOML, DEPARTMENT_COLUMNS,
                   DEPARTMENTS, DISTRICTS, NEEDS_VERIFICATION, ROUTES, ROUTING, SEGMENTS, SOURCE_ID_COLUMNS,
                   SOURCE_IDS, STATION_COLUMNS, STATIONS)


def _toml_str(value: str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _num(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else f"{float(value):.1f}"


def city_toml(city: City) -> str:
    periods = ", ".join(_toml_str(f"{a.strftime('%H:%M')}-{b.strftime('%H:%M')}")
                        for a, b in city.calendar.working_periods)
    lines = [
        "# CityOps city package: the city itself. The other files of this folder hold its districts,",
        "# departments, taxonomy, routing, roads, stations and calendar (see the README, \"Your own city\").",
        f"version = {_toml_str(city.version)}",
        "",
        "[city]",
        f"name_zh = {_toml_str(city.name_zh)}",
        f"name_en = {_toml_str(city.name_en)}",
        f"timezone = {_toml_str(city.timezone or 'Asia/Shanghai')}",
        f"default_language = {_toml_str(city.default_language or 'zh-CN')}",
        f"center = [{_num(city.center[0])}, {_num(city.center[1])}]",
        "",
        "[working_hours]",
        f"periods = [{periods}]",
    ]
    if city.rule_categories:
        lines += ["", "[rules]   # the categories the feed rules file incidents in"]
        lines += [f"{k} = {_toml_str(v)}" for k, v in sorted(city.rule_categories)]
    return "\n".join(lines) + "\n"


def _csv(header: tuple[str, ...], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _yes_no_or_empty(value: bool | None) -> str:
    return "" if value is None else _yes(value)


def _collection(features: list[dict]) -> str:
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


def _geometry(g: dict) -> dict:
    return {"type": g["type"], "coordinates": g["coordinates"]}


def package_files(city: City) -> dict[str, str]:
    """File name → text of the package of `city`."""
    files = {CITY_TOML: city_toml(city)}
    districts = sorted(city.districts + city.retired_districts, key=lambda d: d.code)
    files[DISTRICTS] = _collection([
        {"type": "Feature", "properties": {"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
         | ({"retired": True} if d.retired else {}), "geometry": _geometry(d.geometry)} for d in districts])
    departments = sorted(city.departments + city.retired_departments, key=lambda d: d.code)
    renamed = any(d.replaces for d in departments)    # the column only for a city that has renamed or merged
    files[DEPARTMENTS] = _csv(DEPARTMENT_COLUMNS + ("retired",) + (("replaces",) if renamed else ()), [
        [d.code, d.name_zh, d.name_en, d.level, ";".join(d.districts), d.contact, _yes(d.retired)]
        + ([";".join(d.replaces)] if renamed else []) for d in departments])
    # needs_verification only for a city whose package says it for some category (empty: the setting decides)
    verify = any(c.needs_verification is not None for c in city.categories)
    files[CATEGORIES] = _csv(CATEGORY_COLUMNS + ("retired",) + ((NEEDS_VERIFICATION,) if verify else ()), [
        [c.code, KIND_WORDS.get(c.domain, c.domain), c.group_code, c.group_zh, c.group_en, c.name_zh, c.name_en,
         c.default_priority, _yes(c.reportable), *(list(c.limits) + [""] * 4)[:4], c.standard_open, c.standard_close,
         _yes(c.retired)] + ([_yes_no_or_empty(c.needs_verification)] if verify else [])
        for c in sorted(city.categories, key=lambda c: c.code)])
    rules = sorted(city.routing, key=lambda r: (r.is_group, r.category, r.district or ""))
    rows = []
    for r in rules:
        if r.is_group:
            kind, _, group = r.category.partition(":")
            rows.append(["", group, KIND_WORDS.get(kind, kind), r.district or "", r.department, _yes(r.auto_dispatch)])
        else:
            rows.append([r.category, "", "", r.district or "", r.department, _yes(r.auto_dispatch)])
    files[ROUTING] = _csv(("category", "group", "kind", "district", "department", "auto_dispatch"), rows)
    if city.segments:
        files[SEGMENTS] = _collection([
            {"type": "Feature", "properties": {"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en,
                                               "district": s.district, "free_flow_kmh": s.free_flow_kmh},
             "geometry": _geometry(s.geometry)} for s in sorted(city.segments, key=lambda s: s.id)])
    if city.stations:
        files[STATIONS] = _csv(STATION_COLUMNS, [[s.id, s.name_zh, s.name_en, s.district, repr(s.lon), repr(s.lat)]
                                                 for s in sorted(city.stations, key=lambda s: s.id)])
    if city.source_ids:
        files[SOURCE_IDS] = _csv(SOURCE_ID_COLUMNS, [[s.source, s.source_id, s.kind, s.target] for s in
                                                     sorted(city.source_ids, key=lambda s: (s.source, s.source_id))])
    if city.calendar.years:
        rows = []
        for y in sorted(city.calendar.years, key=lambda y: y.year):
            rows.append([y.year, y.status, y.source, "", "", ""])
            days = [(d, "holiday", n) for d, n in y.holidays] + [(d, "workday", n) for d, n in y.workdays]
            rows += [[y.year, "", "", d.isoformat(), kind, n] for d, kind, n in sorted(days)]
        files[CALENDAR] = _csv(CALENDAR_COLUMNS, rows)
    if city.routes:
        files[ROUTES] = _collection([{"type": "Feature", "properties": {"id": r.id, "short_name": r.short_name},
                                      "geometry": _geometry(r.geometry)} for r in sorted(city.routes, key=lambda r: r.id)])
    return files


def write_package(city: City, path: str | Path) -> list[Path]:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in package_files(city).items():
        (path / name).write_text(text, encoding="utf-8", newline="")
        written.append(path / name)
    return written
