"""Reference data of a city: districts, departments, the category taxonomy, routing rules, road
segments, air stations, bus routes, the working calendar, and how source systems name segments and
stations.

A city is data: its package (city.toml, CSV, GeoJSON) is read, validated and imported into the store;
every process loads the city in force from there. The demo city is one such package. All geometry is
GeoJSON (longitude first). A City is immutable: an import makes a new one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .categories import Category
from .geo import AreaIndex, LineIndex, Point
from .routing import RoutingRule
from .work_calendar import WorkCalendar

CITY_LEVEL = "市级"
DISTRICT_LEVEL = "区级"
LEVELS = (CITY_LEVEL, DISTRICT_LEVEL)

# The categories the feed rules create incidents in, unless the city's package names others.
DEFAULT_RULE_CATEGORIES = {"congestion": "1001", "air_exceedance": "1101", "severe_weather": "1201",
                           "waterlogging": "0503", "other": "0999"}


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    geometry: dict              # GeoJSON Polygon or MultiPolygon
    retired: bool = False       # split or merged away: kept for history, never matched for new cases

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...] = ()     # category codes it answers for (derived from the routing rules)
    districts: tuple[str, ...] = ()      # district codes; empty means the whole city
    level: str = ""                      # 市级 / 区级
    contact: str = ""                    # for notifications
    retired: bool = False                # dissolved: kept for history
    replaces: tuple[str, ...] = ()       # codes of departments renamed into or merged into this one

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def answers_for(self, category_code: str, district_code: str | None) -> bool:
        return category_code in self.categories and (
            not self.districts or district_code is None or district_code in self.districts)


@dataclass(frozen=True)
class RoadSegment:
    id: str
    name_zh: str
    name_en: str
    district: str
    free_flow_kmh: float
    geometry: dict              # GeoJSON LineString


@dataclass(frozen=True)
class Station:
    id: str
    name_zh: str
    name_en: str
    district: str
    lon: float
    lat: float


@dataclass(frozen=True)
class BusRoute:
    id: str
    short_name: str
    geometry: dict              # GeoJSON LineString


@dataclass(frozen=True)
class SourceId:
    """A source system's own id for one of the city's segments or stations."""
    source: str                 # e.g. "sensorthings", "openaq", "datex2", "traffic"
    source_id: str
    kind: str                   # "segment" or "station"
    target: str                 # the city's segment or station id


@dataclass(frozen=True)
class City:
    name_zh: str
    name_en: str
    center: Point               # (lon, lat)
    districts: tuple[District, ...]         # in force (retired ones: retired_districts)
    departments: tuple[Department, ...]     # in force (retired ones: retired_departments)
    segments: tuple[RoadSegment, ...]
    stations: tuple[Station, ...]
    routes: tuple[BusRoute, ...] = field(default=())
    categories: tuple[Category, ...] = ()   # every category, retired ones included (flagged)
    routing: tuple[RoutingRule, ...] = ()
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    source_ids: tuple[SourceId, ...] = ()
    timezone: str = ""                      # IANA zone; empty: the settings' zone
    default_language: str = ""              # zh-CN or en; empty: the settings' language
    version: str = ""                       # the package's own version string
    rule_categories: tuple[tuple[str, str], ...] = ()   # feed rule → category code, over the defaults
    retired_districts: tuple[District, ...] = ()
    retired_departments: tuple[Department, ...] = ()
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {
            "category": {c.code: c for c in self.categories},
            "district": {d.code: d for d in self.retired_districts + self.districts},
            "department": {d.code: d for d in self.retired_departments + self.departments},
            "segment": {s.id: s for s in self.segments},
            "station": {s.id: s for s in self.stations},
            "source": {(s.source, s.source_id): s for s in self.source_ids},
            "rules": dict(DEFAULT_RULE_CATEGORIES) | dict(self.rule_categories),
        })

    # -- lookups (retired reference rows stay readable: history keeps its meaning) --
    def category(self, code: str) -> Category:
        try:
            return self._index["category"][str(code)]
        except KeyError:
            raise KeyError(f"unknown category code {code!r}") from None

    def find_category(self, code: Any) -> Category | None:
        return self._index["category"].get(str(code))

    @property
    def categories_by_code(self) -> dict[str, Category]:
        return self._index["category"]

    def active_categories(self) -> tuple[Category, ...]:
        """The categories a new case may be filed under."""
        return tuple(c for c in self.categories if not c.retired)

    def reportable_categories(self) -> tuple[Category, ...]:
        """What citizens may report through Open311."""
        return tuple(c for c in self.categories if c.reportable and not c.retired)

    def can_file(self, code: Any) -> bool:
        cat = self.find_category(code)
        return cat is not None and not cat.retired

    def group_key(self, code: str) -> str | None:
        cat = self.find_category(code)
        return cat.group_key if cat else None

    def rule_category(self, rule: str) -> str:
        """The category a feed rule ("congestion", "air_exceedance", "severe_weather", "other") files in."""
        return self._index["rules"][rule]

    def district(self, code: str | None) -> District | None:
        return self._index["district"].get(code) if code else None

    def department(self, code: str | None) -> Department | None:
        return self._index["department"].get(code) if code else None

    @property
    def segments_by_id(self) -> dict[str, RoadSegment]:
        return self._index["segment"]

    @property
    def stations_by_id(self) -> dict[str, Station]:
        return self._index["station"]

    def segment_for(self, source: str, source_id: str) -> RoadSegment | None:
        """The city's segment a source system's id names (its own id when the city uses it as is)."""
        mapped = self._index["source"].get((source, str(source_id)))
        return self._index["segment"].get(mapped.target if mapped and mapped.kind == "segment" else str(source_id))

    def station_for(self, source: str, source_id: str) -> Station | None:
        mapped = self._index["source"].get((source, str(source_id)))
        return self._index["station"].get(mapped.target if mapped and mapped.kind == "station" else str(source_id))

    @property
    def district_index(self) -> AreaIndex:
        """STRtree over the districts in force (geography, issue 15), built on first use."""
        index = self._index.get("district_areas")
        if index is None:
            index = self._index["district_areas"] = AreaIndex((d.code, d.geometry) for d in self.districts)
        return index

    def district_at(self, lon: float, lat: float) -> str | None:
        return self.district_index.at(lon, lat)

    @property
    def segment_index(self) -> LineIndex:
        """STRtree over the road segments: point → nearest segment (issue 15), built on first use."""
        index = self._index.get("segment_lines")
        if index is None:
            index = self._index["segment_lines"] = LineIndex((s.id, s.geometry) for s in self.segments)
        return index

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the districts in force."""
        xs, ys = [], []
        for d in self.districts:
            polygons = d.geometry["coordinates"] if d.geometry["type"] == "MultiPolygon" else [d.geometry["coordinates"]]
            for poly in polygons:
                xs += [p[0] for p in poly[0]]
                ys += [p[1] for p in poly[0]]
        if not xs:
            return (self.center[0], self.center[1], self.center[0], self.center[1])
        return (min(xs), min(ys), max(xs), max(ys))

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en
