"""The built-in demo city 澜海市 (Lanhai): districts, roads, air stations, departments, bus routes.

`build_city(seed)` gives the same city for the same seed.
"""
from __future__ import annotations

import random

from dashboard.domain.city import BusRoute, City, District, RoadSegment, Station
from dashboard.domain.routing import default_rules
from dashboard.domain.geo import point_in_ring

from . import names
from .departments import build_departments
from .geometry import XY, Projection, dist, ring_distance
from .layout import layout
from .roads import split_roads
from .taxonomy import DEMO_CATEGORIES

CENTER = (118.80, 32.05)          # (lon, lat)
PROJECTION = Projection(*CENTER)
STATIONS_PER_DISTRICT = 4
FREE_FLOW = {"expressway": 80, "avenue": 60, "arterial": 60, "street": 50}


def _polygon(ring) -> dict:
    return {"type": "Polygon", "coordinates": [[PROJECTION.lonlat(p) for p in ring]]}


def _line(points) -> dict:
    return {"type": "LineString", "coordinates": [PROJECTION.lonlat(p) for p in points]}


def _districts(seed: int) -> tuple[District, ...]:
    plan = layout(seed)
    return tuple(
        District(f"D{k + 1:02d}", *names.DISTRICTS[cell], _polygon(ring))
        for k, (cell, ring) in enumerate(zip(plan.cells, plan.rings)))


def _segments(seed: int, rng: random.Random, districts: tuple[District, ...]) -> tuple[RoadSegment, ...]:
    plan = layout(seed)
    segments = []
    for n, piece in enumerate(split_roads(plan.roads, plan.rings), start=1):
        road = piece.road
        base = FREE_FLOW[road.kind]
        free_flow = base if road.kind == "expressway" else max(30, min(80, base + rng.choice((-10, -5, 0, 0, 5))))
        segments.append(RoadSegment(
            id=f"S{n:04d}",
            name_zh=f"{road.name_zh}（{piece.from_name[0]}—{piece.to_name[0]}）",
            name_en=f"{road.name_en} ({piece.from_name[1]} – {piece.to_name[1]})",
            district=districts[piece.district_index].code,
            free_flow_kmh=float(free_flow),
            geometry=_line(piece.points),
        ))
    return tuple(segments)


def _stations(seed: int, rng: random.Random, districts: tuple[District, ...]) -> tuple[Station, ...]:
    plan = layout(seed)
    places = rng.sample(names.STATION_PLACES, STATIONS_PER_DISTRICT * len(districts))
    chosen: list[XY] = []
    stations = []
    for district, ring in zip(districts, plan.rings):
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        placed, spacing = 0, 2.5
        while placed < STATIONS_PER_DISTRICT:
            for _ in range(400):
                p = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
                roomy = all(dist(p, q) >= spacing for q in chosen)
                if roomy and point_in_ring(p, ring) and ring_distance(p, ring) > 0.6:
                    break
            else:
                spacing *= 0.7      # a crowded district: accept closer neighbours
                continue
            chosen.append(p)
            zh, en = places[len(stations)]
            lon, lat = PROJECTION.lonlat(p)
            stations.append(Station(f"{1001 + len(stations)}A", zh, en, district.code, lon, lat))
            placed += 1
    return tuple(stations)


def _routes(seed: int) -> tuple[BusRoute, ...]:
    plan = layout(seed)
    n = plan.nodes
    ring = next(r for r in plan.roads if r.closed)
    paths = (
        ("R1", "1路", [n[i, 4] for i in range(11)]),
        ("R2", "2路", [n[5, j] for j in range(9)]),
        ("R3", "环1路", list(ring.points)),
        ("R4", "33路", [n[i, 2] for i in range(8)] + [n[7, j] for j in range(3, 9)]),
        ("R5", "58路", [n[10 - i, 6] for i in range(9)] + [n[2, j] for j in range(5, -1, -1)]),
    )
    return tuple(BusRoute(rid, short, _line(points)) for rid, short, points in paths)


def build_city(seed: int = 7) -> City:
    rng = random.Random(f"city:{seed}")
    districts = _districts(seed)
    departments = build_departments(districts)
    return City(
        name_zh=names.CITY[0],
        name_en=names.CITY[1],
        center=CENTER,
        districts=districts,
        departments=departments,
        categories=DEMO_CATEGORIES,
        routing=tuple(default_rules(departments, [d.code for d in districts])),
        timezone="Asia/Shanghai",
        default_language="zh-CN",
        version=f"demo-{seed}",
        segments=_segments(seed, rng, districts),
        stations=_stations(seed, rng, districts),
        routes=_routes(seed),
    )


def build_river(seed: int = 7) -> dict:
    """The river 澜江 as a GeoJSON Feature (a LineString), for a map layer."""
    return {"type": "Feature", "geometry": _line(layout(seed).river),
            "properties": {"name_zh": names.RIVER[0], "name_en": names.RIVER[1]}}
