"""Reference data of a city: districts, departments, road segments, air stations, bus routes.

The demo city generates these; a real deployment loads them from its own files. All geometry is
GeoJSON (longitude first).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .geo import Point, point_in_polygon


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    name_en: str
    geometry: dict              # GeoJSON Polygon

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]          # category codes it answers for
    districts: tuple[str, ...] = ()      # district codes; empty means the whole city

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
class City:
    name_zh: str
    name_en: str
    center: Point               # (lon, lat)
    districts: tuple[District, ...]
    departments: tuple[Department, ...]
    segments: tuple[RoadSegment, ...]
    stations: tuple[Station, ...]
    routes: tuple[BusRoute, ...] = field(default=())

    def district_at(self, lon: float, lat: float) -> str | None:
        for d in self.districts:
            if point_in_polygon((lon, lat), d.geometry):
                return d.code
        return None

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en
