"""Reading a city package into a City, collecting every problem on the way (checks.py adds the
checks across files: geometry, coverage, routing)."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.domain.categories import KIND_WORDS, PRIORITIES, Category, parse_kind
from dashboard.domain.city import LEVELS, BusRoute, City, Department, District, RoadSegment, SourceId, Station
from dashboard.domain.deadlines import TimeLimit
from dashboard.domain.routing import RoutingRule
from dashboard.domain.work_calendar import ESTIMATED, OFFICIAL, CalendarYear, WorkCalendar

from .files import Row, read_csv, read_layer
from .problems import Problems

CITY_TOML = "city.toml"
DISTRICTS = "districts.geojson"
DEPARTMENTS = "departments.csv"
CATEGORIES = "categories.csv"
ROUTING = "routing.csv"
SEGMENTS = "segments.geojson"
SEGMENTS_CSV = "segments.csv"
STATIONS = "stations.csv"
SOURCE_IDS = "source_ids.csv"
CALENDAR = "calendar.csv"
USERS = "users.csv"
ROUTES = "routes.geojson"
PACKAGE_FILES = (CITY_TOML, DISTRICTS, DEPARTMENTS, CATEGORIES, ROUTING, SEGMENTS, SEGMENTS_CSV, STATIONS,
                 SOURCE_IDS, CALENDAR, USERS, ROUTES)

DEPARTMENT_COLUMNS = ("code", "name_zh", "name_en", "level", "districts", "contact")
CATEGORY_COLUMNS = ("code", "kind", "group_code", "group_zh", "group_en", "name_zh", "name_en", "default_priority",
                    "reportable", "limit_p1", "limit_p2", "limit_p3", "limit_p4", "standard_open", "standard_close")
NEEDS_VERIFICATION = "needs_verification"   # optional column of categories.csv (issue 18)
ROUTING_COLUMNS = ("category", "group", "district", "department", "auto_dispatch")
STATION_COLUMNS = ("id", "name_zh", "name_en", "district", "lon", "lat")
SOURCE_ID_COLUMNS = ("source", "source_id", "kind", "target")
CALENDAR_COLUMNS = ("year", "status", "notice", "date", "type", "name")
USER_COLUMNS = ("username", "display_name", "role", "department")
ROLES = ("admin", "dispatcher", "operator", "leader", "inspector", "crew", "wall")

_TRUE = {"yes", "y", "true", "1", "是", "x", "✓"}
_FALSE = {"no", "n", "false", "0", "否", ""}


@dataclass
class UserRow:
    username: str
    display_name: str
    role: str
    department: str


@dataclass
class Package:
    """What was read: the city (None when the package cannot be used), every problem, and counts."""
    path: Path
    city: City | None
    problems: Problems
    counts: dict[str, int] = field(default_factory=dict)
    checksum: str = ""
    users: list[UserRow] = field(default_factory=list)
    # where each record was read, for the cross-file checks' messages: (kind, code) -> "file, line n"
    places: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    geography: object = None     # the unit grid and area codes (dashboard.geo.package.Geography, issue 15)

    @property
    def ok(self) -> bool:
        return self.city is not None and not self.problems.errors


def checksum(path: Path) -> str:
    """sha256 over the package's files (names and bytes), in name order."""
    h = hashlib.sha256()
    for name in sorted(n for n in PACKAGE_FILES if (path / n).is_file()):
        h.update(name.encode() + b"\0" + (path / name).read_bytes() + b"\0")
    return h.hexdigest()


def _bool(row: Row, key: str, file: str, problems: Problems) -> bool:
    text = row.get(key).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    problems.error(file, f"line {row.line}", f"{key} is {row.get(key)!r}", "write yes or no")
    return False


def _needs_verification(row: Row, code: str, problems: Problems) -> bool | None:
    """categories.csv's optional needs_verification: yes/no, or empty (no column, or a blank cell) when
    the setting field_verify_categories decides."""
    text = row.get(NEEDS_VERIFICATION)
    if not text:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    problems.error(CATEGORIES, f"line {row.line}", f"{NEEDS_VERIFICATION} of {code} is {text!r}",
                   "write yes (close only after an inspector's passed check, 核查) or no, or leave it empty "
                   "(the setting field_verify_categories decides)")
    return None


def _period(text: str) -> tuple[time, time]:
    begin, end = text.split("-")
    a, b = time.fromisoformat(begin.strip()), time.fromisoformat(end.strip())
    if a >= b:
        raise ValueError
    return a, b


def _read_toml(path: Path, problems: Problems) -> dict | None:
    file = path / CITY_TOML
    if not file.is_file():
        problems.error(CITY_TOML, "", "is missing", "run `cityops city init` for a commented example")
        return None
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.error(CITY_TOML, "", f"cannot be read: {exc}", "fix the TOML syntax (strings in double quotes)")
        return None
    city = data.get("city") or {}
    for key in ("name_zh", "name_en"):
        if not str(city.get(key) or "").strip():
            problems.error(CITY_TOML, "[city]", f"has no {key}", f'add {key} = "…" under [city]')
    tz = str(city.get("timezone") or "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.error(CITY_TOML, "[city]", f"timezone {tz!r} is not a time zone", 'use an IANA name such as "Asia/Shanghai"')
    lang = str(city.get("default_language") or "zh-CN")
    if lang not in ("zh-CN", "en"):
        problems.error(CITY_TOML, "[city]", f"default_language {lang!r} is not zh-CN or en", 'write "zh-CN" or "en"')
    center = city.get("center")
    if center is not None and not (isinstance(center, list) and len(center) == 2
                                   and all(isinstance(v, (int, float)) for v in center)
                                   and -180 <= center[0] <= 180 and -90 <= center[1] <= 90):
        problems.error(CITY_TOML, "[city]", f"center {center!r} is not [longitude, latitude]", "write center = [118.80, 32.05]")
    periods = (data.get("working_hours") or {}).get("periods")
    if periods is not None:
        try:
            parsed = [_period(p) for p in periods]
            if any(parsed[i][1] > parsed[i + 1][0] for i in range(len(parsed) - 1)) or not parsed:
                raise ValueError
        except (ValueError, TypeError, AttributeError):
            problems.error(CITY_TOML, "[working_hours]", f"periods {periods!r} are not ordered HH:MM-HH:MM spans",
                           'write periods = ["09:00-12:00", "13:30-17:30"]')
    if not str(data.get("version") or "").strip():
        problems.error(CITY_TOML, "", "has no version", 'add version = "2026.1" at the top: the package\'s own version')
    return data


def _unique(rows, key, file: str, kind: str, problems: Problems, places: dict) -> dict:
    seen: dict[str, str] = {}
    for row in rows:
        code, where = key(row)
        if not code:
            problems.error(file, where, f"has no {kind} code", f"give every {kind} a code")
            continue
        if code in seen:
            problems.error(file, where, f"{kind} code {code!r} is used twice (first at {seen[code]})",
                           f"give each {kind} its own code, or remove one of the two")
            continue
        seen[code] = where
        places[(kind, code)] = (file, where)
    return seen


def _districts(path: Path, problems: Problems, places: dict) -> list[District]:
    from dashboard.geo.package import district_features
    file = path / DISTRICTS
    declared = district_features(path, problems)   # [geography.districts]: Shapefile, GeoPackage, any CRS (#15)
    if declared is None and not file.is_file():
        problems.error(DISTRICTS, "", "is missing", "export the districts layer as GeoJSON with properties code, name_zh, name_en")
        return []
    features = declared if declared is not None else (read_layer(file, problems) or [])
    out: list[District] = []
    first = _unique(features, lambda f: (str(f.properties.get("code") or "").strip(), f"feature {f.number}"),
                    DISTRICTS, "district", problems, places)
    for f in features:
        code = str(f.properties.get("code") or "").strip()
        if not code or first.get(code) != f"feature {f.number}":
            continue
        if not f.geometry or f.geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.error(DISTRICTS, f"feature {f.number}", f"district {code} has no Polygon or MultiPolygon geometry",
                           "draw the district as a polygon")
            continue
        zh, en = str(f.properties.get("name_zh") or "").strip(), str(f.properties.get("name_en") or "").strip()
        if not zh or not en:
            problems.error(DISTRICTS, f"feature {f.number}", f"district {code} lacks name_zh or name_en",
                           "give the district both names")
        out.append(District(code, zh or code, en or zh or code, f.geometry,
                            retired=str(f.properties.get("retired") or "").lower() in _TRUE))
    return out


def _departments(path: Path, problems: Problems, places: dict) -> list[Department]:
    file = path / DEPARTMENTS
    if not file.is_file():
        problems.error(DEPARTMENTS, "", "is missing", f"add it with columns {', '.join(DEPARTMENT_COLUMNS)}")
        return []
    rows = read_csv(file, problems, DEPARTMENT_COLUMNS, {"parent": "level", "级别": "level"}) or []
    first = _unique(rows, lambda r: (r.get("code"), f"line {r.line}"), DEPARTMENTS, "department", problems, places)
    out = []
    for r in rows:
        if not r.get("code") or first.get(r.get("code")) != f"line {r.line}":
            continue
        if r.get("level") not in LEVELS:
            problems.error(DEPARTMENTS, f"line {r.line}", f"level {r.get('level')!r} is neither 市级 nor 区级",
                           "write 市级 (city) or 区级 (district)")
        if not r.get("name_zh") or not r.get("name_en"):
            problems.error(DEPARTMENTS, f"line {r.line}", f"department {r.get('code')} lacks name_zh or name_en",
                           "give the department both names")
        districts = tuple(d.strip() for d in r.get("districts").replace("；", ";").split(";") if d.strip())
        out.append(Department(r.get("code"), r.get("name_zh"), r.get("name_en"), (), districts, r.get("level"),
                              r.get("contact"), _bool(r, "retired", DEPARTMENTS, problems),
                              _codes(r.get("replaces"))))
    _check_replaces(out, first, problems)
    return out


def _codes(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.strip() for c in text.replace("；", ";").split(";") if c.strip()))


def _check_replaces(departments: list[Department], lines: dict[str, str], problems: Problems) -> None:
    """`replaces` says a department was renamed into or merged into this one: each old code is no
    longer in force, and went into one department only."""
    in_force = {d.code for d in departments if not d.retired}
    went_into: dict[str, str] = {}
    for d in departments:
        for old in d.replaces:
            where = lines.get(d.code, "")
            if old == d.code:
                problems.error(DEPARTMENTS, where, f"department {d.code} replaces itself", "remove its own code from replaces")
            elif old in in_force:
                problems.error(DEPARTMENTS, where, f"department {d.code} replaces {old}, which is still in force",
                               f"leave {old} out of departments.csv (or mark it retired) once it is renamed or merged")
            elif old in went_into:
                problems.error(DEPARTMENTS, where, f"department {old} is replaced by both {went_into[old]} and {d.code}",
                               "a department is renamed or merged into one department only")
            else:
                went_into[old] = d.code


def _categories(path: Path, problems: Problems, places: dict) -> list[Category]:
    file = path / CATEGORIES
    if not file.is_file():
        problems.error(CATEGORIES, "", "is missing", f"add it with columns {', '.join(CATEGORY_COLUMNS)}")
        return []
    rows = read_csv(file, problems, CATEGORY_COLUMNS) or []
    first = _unique(rows, lambda r: (r.get("code"), f"line {r.line}"), CATEGORIES, "category", problems, places)
    out = []
    group_names: dict[str, tuple[str, str, int]] = {}
    for r in rows:
        code, where = r.get("code"), f"line {r.line}"
        if not code or first.get(code) != where:
            continue
        if ":" in code or ";" in code:
            problems.error(CATEGORIES, where, f"code {code!r} contains ':' or ';'", "use letters and digits only")
        kind = parse_kind(r.get("kind"))
        if kind is None:
            problems.error(CATEGORIES, where, f"kind {r.get('kind')!r} is not one of {', '.join(KIND_WORDS.values())}",
                           "write 部件, 事件, traffic, environment or emergency")
            kind = "event"
        try:
            priority = int(r.get("default_priority"))
            if priority not in PRIORITIES:
                raise ValueError
        except ValueError:
            problems.error(CATEGORIES, where, f"default_priority {r.get('default_priority')!r} is not 1, 2, 3 or 4",
                           "write 1 (特急) … 4 (一般)")
            priority = 3
        limits = []
        for p in PRIORITIES:
            text = r.get(f"limit_p{p}")
            try:
                limits.append(str(TimeLimit.parse(text)))
            except ValueError:
                problems.error(CATEGORIES, where, f"limit_p{p} of {code} is {text!r}: not a positive number with a unit",
                               "write e.g. 2h (hours), 4wh (工作时 working hours) or 3wd (工作日 working days)")
                limits.append(text)
        group = r.get("group_code") or r.get("group_zh")
        key = f"{kind}:{group}"
        names = (r.get("group_zh"), r.get("group_en"), r.line)
        if key in group_names and group_names[key][:2] != names[:2]:
            problems.error(CATEGORIES, where, f"大类 {group} ({KIND_WORDS[kind]}) is named "
                           f"{names[0]}/{names[1]} here but {group_names[key][0]}/{group_names[key][1]} on line {group_names[key][2]}",
                           "give one 大类 code the same names on every line")
        group_names.setdefault(key, names)
        if not r.get("name_zh") or not r.get("name_en"):
            problems.error(CATEGORIES, where, f"category {code} lacks name_zh or name_en", "give the 小类 both names")
        out.append(Category(code, kind, r.get("group_zh"), r.get("group_en"), r.get("name_zh"), r.get("name_en"),
                            priority, group_code=r.get("group_code"),
                            reportable=_bool(r, "reportable", CATEGORIES, problems), limits=tuple(limits),
                            standard_open=r.get("standard_open"), standard_close=r.get("standard_close"),
                            retired=_bool(r, "retired", CATEGORIES, problems),
                            needs_verification=_needs_verification(r, code, problems)))
    return out


def _routing(path: Path, problems: Problems, places: dict, categories: list[Category]) -> list[RoutingRule]:
    file = path / ROUTING
    if not file.is_file():
        problems.error(ROUTING, "", "is missing", f"add it with columns {', '.join(ROUTING_COLUMNS)}")
        return []
    rows = read_csv(file, problems, ROUTING_COLUMNS) or []
    by_code = {c.code: c for c in categories}
    groups = {}
    for c in categories:
        groups.setdefault(c.group_code or c.group_zh, set()).add(c.group_key)
    out, seen = [], {}
    for r in rows:
        where = f"line {r.line}"
        code, group, district = r.get("category"), r.get("group"), r.get("district") or None
        if bool(code) == bool(group):
            problems.error(ROUTING, where, "names both a category and a 大类, or neither",
                           "fill either category (one 小类) or group (a whole 大类), not both")
            continue
        if code:
            key, is_group = code, False
            if code not in by_code:
                problems.error(ROUTING, where, f"names category {code!r}, which categories.csv does not have",
                               "use a code from categories.csv, or add the category there")
        else:
            kind = parse_kind(r.get("kind")) if r.get("kind") else None
            keys = {k for k in groups.get(group, set()) if kind is None or k.startswith(kind + ":")}
            if not keys:
                problems.error(ROUTING, where, f"names 大类 {group!r}, which categories.csv does not have",
                               "use a group_code from categories.csv")
                continue
            if len(keys) > 1:
                problems.error(ROUTING, where, f"大类 {group!r} exists for several kinds ({', '.join(sorted(keys))})",
                               "add a kind column to say which (部件 or 事件)")
                continue
            key, is_group = keys.pop(), True
        ident = (key, district)
        if ident in seen:
            problems.error(ROUTING, where, f"repeats the rule on line {seen[ident]} for {key} in "
                           f"{district or 'the whole city'}", "keep one rule per category (or 大类) and district")
            continue
        seen[ident] = r.line
        places[("rule", f"{key}@{district}")] = (ROUTING, where)
        out.append(RoutingRule(key, district, r.get("department"), _bool(r, "auto_dispatch", ROUTING, problems), is_group))
    return out


def _segments(path: Path, problems: Problems, places: dict) -> list[RoadSegment]:
    out = []
    if (path / SEGMENTS).is_file():
        features = read_layer(path / SEGMENTS, problems) or []
        items = [(f"feature {f.number}", f.properties, f.geometry) for f in features]
        file = SEGMENTS
    elif (path / SEGMENTS_CSV).is_file():
        import shapely.wkt
        from shapely.geometry import mapping
        file = SEGMENTS_CSV
        rows = read_csv(path / SEGMENTS_CSV, problems, ("id", "name_zh", "name_en", "district", "free_flow_kmh", "wkt")) or []
        items = []
        for r in rows:
            try:
                geometry = mapping(shapely.wkt.loads(r.get("wkt")))
                geometry = {"type": geometry["type"], "coordinates": [list(p) for p in geometry["coordinates"]]}
            except Exception:   # noqa: BLE001 - any unreadable WKT is reported the same way
                geometry = None
            items.append((f"line {r.line}", r.values, geometry))
    else:
        return []
    first = _unique(items, lambda i: (str(i[1].get("id") or "").strip(), i[0]), file, "segment", problems, places)
    for where, props, geometry in items:
        sid = str(props.get("id") or "").strip()
        if not sid or first.get(sid) != where:
            continue
        if not geometry or geometry.get("type") != "LineString":
            problems.error(file, where, f"segment {sid} is not a LineString", "draw each road segment as one line")
            continue
        try:
            free_flow = float(props.get("free_flow_kmh"))
            if free_flow <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.error(file, where, f"segment {sid}: free_flow_kmh {props.get('free_flow_kmh')!r} is not a positive number",
                           "give the free-flow speed in km/h")
            free_flow = 50.0
        out.append(RoadSegment(sid, str(props.get("name_zh") or sid), str(props.get("name_en") or props.get("name_zh") or sid),
                               str(props.get("district") or ""), free_flow, geometry))
    return out


def _stations(path: Path, problems: Problems, places: dict) -> list[Station]:
    if not (path / STATIONS).is_file():
        return []
    rows = read_csv(path / STATIONS, problems, STATION_COLUMNS) or []
    first = _unique(rows, lambda r: (r.get("id"), f"line {r.line}"), STATIONS, "station", problems, places)
    out = []
    for r in rows:
        if not r.get("id") or first.get(r.get("id")) != f"line {r.line}":
            continue
        try:
            lon, lat = float(r.get("lon")), float(r.get("lat"))
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError
        except ValueError:
            problems.error(STATIONS, f"line {r.line}", f"station {r.get('id')}: lon/lat {r.get('lon')!r}, {r.get('lat')!r} "
                           "are not a position", "give longitude and latitude in degrees (WGS-84)")
            continue
        out.append(Station(r.get("id"), r.get("name_zh"), r.get("name_en") or r.get("name_zh"), r.get("district"), lon, lat))
    return out


def _source_ids(path: Path, problems: Problems, places: dict) -> list[SourceId]:
    if not (path / SOURCE_IDS).is_file():
        return []
    rows = read_csv(path / SOURCE_IDS, problems, SOURCE_ID_COLUMNS) or []
    first = _unique(rows, lambda r: (f"{r.get('source')}/{r.get('source_id')}" if r.get("source_id") else "", f"line {r.line}"),
                    SOURCE_IDS, "source id", problems, places)
    out = []
    for r in rows:
        if first.get(f"{r.get('source')}/{r.get('source_id')}") != f"line {r.line}":
            continue
        if r.get("kind") not in ("segment", "station"):
            problems.error(SOURCE_IDS, f"line {r.line}", f"kind {r.get('kind')!r} is neither segment nor station",
                           "write segment or station")
            continue
        out.append(SourceId(r.get("source"), r.get("source_id"), r.get("kind"), r.get("target")))
    return out


def _calendar(path: Path, problems: Problems) -> list[CalendarYear]:
    if not (path / CALENDAR).is_file():
        return []
    rows = read_csv(path / CALENDAR, problems, CALENDAR_COLUMNS) or []
    years: dict[int, dict] = {}
    for r in rows:
        where = f"line {r.line}"
        try:
            year = int(r.get("year"))
        except ValueError:
            problems.error(CALENDAR, where, f"year {r.get('year')!r} is not a year", "write the year, e.g. 2027")
            continue
        if not r.get("date"):   # a line declaring the year
            if year in years:
                problems.error(CALENDAR, where, f"year {year} is listed twice (first on line {years[year]['line']})",
                               "declare each year once, on one line with an empty date")
                continue
            if r.get("status") not in (OFFICIAL, ESTIMATED):
                problems.error(CALENDAR, where, f"status {r.get('status')!r} is neither official nor estimated",
                               "write official (with the notice) or estimated")
            elif r.get("status") == OFFICIAL and not r.get("notice"):
                problems.error(CALENDAR, where, f"year {year} is official but names no notice",
                               "give the notice it comes from (e.g. 国办发明电〔2025〕7号)")
            years[year] = {"line": r.line, "status": r.get("status"), "notice": r.get("notice"), "days": {}}
            continue
    for r in rows:
        if not r.get("date"):
            continue
        where = f"line {r.line}"
        try:
            year, day = int(r.get("year")), date.fromisoformat(r.get("date"))
        except ValueError:
            problems.error(CALENDAR, where, f"date {r.get('date')!r} is not a date", "write dates as YYYY-MM-DD")
            continue
        if year not in years:
            problems.error(CALENDAR, where, f"date {day} belongs to year {year}, which no line declares",
                           "add a line for the year with its status and notice and an empty date")
            continue
        if day.year != year and not (r.get("type") == "holiday" and abs(day.year - year) == 1):
            problems.error(CALENDAR, where, f"date {day} is not in year {year}", "fix the date or the year")
        if r.get("type") not in ("holiday", "workday"):
            problems.error(CALENDAR, where, f"type {r.get('type')!r} is neither holiday nor workday",
                           "write holiday (a day off) or workday (a 调休 working day)")
            continue
        days = years[year]["days"]
        if day in days:
            other_type, other_line = days[day]
            if other_type != r.get("type"):
                problems.error(CALENDAR, where, f"{day} is both a holiday and a workday (line {other_line})",
                               "a day is either off or a 调休 working day: keep one")
            else:
                problems.error(CALENDAR, where, f"{day} is listed twice (line {other_line})", "remove one")
            continue
        days[day] = (r.get("type"), r.line)
        years[year].setdefault("names", {})[day] = r.get("name")
    out = []
    for year, y in sorted(years.items()):
        names = y.get("names", {})
        out.append(CalendarYear(
            year, y["status"], y["notice"],
            tuple(sorted((d, names[d]) for d, (kind, _) in y["days"].items() if kind == "holiday")),
            tuple(sorted((d, names[d]) for d, (kind, _) in y["days"].items() if kind == "workday"))))
    return out


def _users(path: Path, problems: Problems) -> list[UserRow]:
    if not (path / USERS).is_file():
        return []
    rows = read_csv(path / USERS, problems, USER_COLUMNS) or []
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        where = f"line {r.line}"
        if "password" in " ".join(r.values).lower():
            problems.error(USERS, where, "has a password column", "remove it: no passwords in files; each new user gets a temporary password, printed to a file only you can read, that must be changed at first sign-in")
        if r.get("username") in seen:
            problems.error(USERS, where, f"user {r.get('username')!r} is listed twice (line {seen[r.get('username')]})",
                           "keep one line per user")
            continue
        seen[r.get("username")] = r.line
        if r.get("role") not in ROLES:
            problems.error(USERS, where, f"role {r.get('role')!r} is not one of {', '.join(ROLES)}", "use one of those roles")
        out.append(UserRow(r.get("username"), r.get("display_name"), r.get("role"), r.get("department")))
    return out


def _routes(path: Path, problems: Problems) -> list[BusRoute]:
    if not (path / ROUTES).is_file():
        return []
    return [BusRoute(str(f.properties.get("id")), str(f.properties.get("short_name") or f.properties.get("id")), f.geometry)
            for f in read_layer(path / ROUTES, problems) or [] if f.geometry]


def read_package(path: str | Path) -> Package:
    """Read and check a package; never raises for a problem in the files."""
    from .checks import check

    path = Path(path)
    problems = Problems()
    if not path.is_dir():
        problems.error(str(path), "", "is not a folder", "give the folder that holds city.toml")
        return Package(path, None, problems)
    places: dict = {}
    info = _read_toml(path, problems)
    districts = _districts(path, problems, places)
    departments = _departments(path, problems, places)
    categories = _categories(path, problems, places)
    rules = _routing(path, problems, places, categories)
    segments = _segments(path, problems, places)
    stations = _stations(path, problems, places)
    source_ids = _source_ids(path, problems, places)
    years = _calendar(path, problems)
    users = _users(path, problems)
    routes = _routes(path, problems)
    counts = {"districts": len(districts), "departments": len(departments), "categories": len(categories),
              "routing": len(rules), "segments": len(segments), "stations": len(stations),
              "source_ids": len(source_ids), "calendar": len(years), "users": len(users)}
    if info is None or not districts or not departments or not categories:
        return Package(path, None, problems, counts, checksum(path), users, places)
    city_info = info.get("city") or {}
    periods = tuple(_period(p) for p in (info.get("working_hours") or {}).get("periods") or ()) \
        if not any(p.where == "[working_hours]" for p in problems) else ()
    answers: dict[str, set[str]] = {}
    by_code = {c.code: c for c in categories}
    for rule in rules:
        codes = [rule.category] if not rule.is_group else [c.code for c in categories if c.group_key == rule.category]
        answers.setdefault(rule.department, set()).update(c for c in codes if c in by_code)
    departments = [Department(d.code, d.name_zh, d.name_en, tuple(sorted(answers.get(d.code, ()))), d.districts,
                              d.level, d.contact, d.retired, d.replaces) for d in departments]
    active = tuple(d for d in districts if not d.retired)
    center = city_info.get("center")
    city = City(
        name_zh=str(city_info.get("name_zh") or ""), name_en=str(city_info.get("name_en") or ""),
        center=tuple(center) if center else (0.0, 0.0),
        districts=active, departments=tuple(d for d in departments if not d.retired),
        segments=tuple(segments), stations=tuple(stations), routes=tuple(routes),
        categories=tuple(categories), routing=tuple(rules),
        calendar=WorkCalendar(tuple(years), periods) if periods else WorkCalendar(tuple(years)),
        source_ids=tuple(source_ids), timezone=str(city_info.get("timezone") or "Asia/Shanghai"),
        default_language=str(city_info.get("default_language") or "zh-CN"), version=str(info.get("version") or ""),
        rule_categories=tuple(sorted((str(k), str(v)) for k, v in (info.get("rules") or {}).items())),
        retired_districts=tuple(d for d in districts if d.retired),
        retired_departments=tuple(d for d in departments if d.retired))
    if not center and active:
        w, s, e, n = city.bounds()
        from dataclasses import replace
        city = replace(city, center=((w + e) / 2, (s + n) / 2))
    package = Package(path, city, problems, counts, checksum(path), users, places)
    check(package)
    if any(p.file == DISTRICTS and any(w in p.message for w in ("crosses itself", "not a valid polygon", "cannot be read"))
           for p in problems.errors):
        return package   # invalid district outlines, said above: the geography's checks need valid ones
    from dashboard.geo.package import read_geography
    package.geography = read_geography(path, package)   # grid, area codes, the geography's checks (#15)
    return package
