"""The demo city: deterministic for a seed, and a sound map (districts tile it, roads and stations sit
inside their districts, every category is answered for in every district)."""
from __future__ import annotations

import re

import pytest

from dashboard.demo.city import CENTER, PROJECTION, build_city, build_river
from dashboard.demo.geometry import cumulative, point_along, segment_intersection
from dashboard.demo.taxonomy import DEMO_CATEGORIES as CATEGORIES
from dashboard.domain.geo import bbox, point_in_polygon

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def city():
    return build_city(7)


def test_same_seed_same_city_other_seed_other_city(city):
    assert build_city(7) == city
    other = build_city(8)
    assert other != city
    assert [d.geometry for d in other.districts] != [d.geometry for d in city.districts]


def test_sizes_and_names(city):
    assert (city.name_zh, city.name_en) == ("澜海市", "Lanhai")
    assert city.center == CENTER
    assert len(city.districts) >= 8
    assert len(city.segments) >= 300
    assert len(city.stations) >= 30
    assert len(city.departments) >= 12
    assert 3 <= len(city.routes) <= 5
    for things in (city.districts, city.segments, city.stations, city.departments):
        codes = [getattr(t, "code", None) or t.id for t in things]
        assert len(set(codes)) == len(codes)
        for t in things:
            assert CJK.search(t.name_zh) and t.name_en and not CJK.search(t.name_en)


def test_extent_is_about_30_by_24_km(city):
    w, s, e, n = bbox(d.geometry for d in city.districts)
    (x0, y0), (x1, y1) = PROJECTION.xy(w, s), PROJECTION.xy(e, n)
    assert 28 <= x1 - x0 <= 33 and 22 <= y1 - y0 <= 27
    assert abs((w + e) / 2 - 118.80) < 0.02 and abs((s + n) / 2 - 32.05) < 0.02


def _edges(ring):
    return [(tuple(a), tuple(b)) for a, b in zip(ring, ring[1:])]


def test_districts_tile_without_gaps_or_overlaps(city):
    rings = [d.geometry["coordinates"][0] for d in city.districts]
    count: dict = {}
    for ring in rings:
        assert ring[0] == ring[-1] and len(ring) >= 4
        area = sum(a[0] * b[1] - b[0] * a[1] for a, b in _edges(ring)) / 2
        assert area > 0, "exterior rings run counter-clockwise"
        edges = _edges(ring)
        for i, (a, b) in enumerate(edges):          # simple polygon: no edge crosses another
            for j in range(i + 2, len(edges) - (1 if i == 0 else 0)):
                assert segment_intersection(a, b, *edges[j]) is None
        for a, b in edges:
            count[(a, b)] = count.get((a, b), 0) + 1
    # an inner edge is shared by exactly two districts, walked in opposite directions
    for (a, b), n in count.items():
        assert n == 1
    inner = [e for e in count if (e[1], e[0]) in count]
    assert len(inner) > 20
    # and any point of the city is in exactly one district
    w, s, e, n = bbox(d.geometry for d in city.districts)
    for i in range(1, 40):
        for j in range(1, 32):
            p = (w + (e - w) * i / 40, s + (n - s) * j / 32)
            inside = sum(point_in_polygon(p, d.geometry) for d in city.districts)
            x, y = PROJECTION.xy(*p)
            assert inside <= 1
            if abs(x) < 14 and abs(y) < 11:
                assert inside == 1, p


def test_segments_lie_in_their_district(city):
    by_code = {d.code: d for d in city.districts}
    for seg in city.segments:
        coords = seg.geometry["coordinates"]
        assert seg.geometry["type"] == "LineString" and len(coords) >= 2
        assert re.fullmatch(r"S\d{4}", seg.id)
        assert 30 <= seg.free_flow_kmh <= 80
        pts = [PROJECTION.xy(*c) for c in coords]
        cum = cumulative(pts)
        assert cum[-1] > 0.005
        for f in (0.25, 0.5, 0.75):
            p, _ = point_along(pts, cum, cum[-1] * f)
            assert point_in_polygon(tuple(PROJECTION.lonlat(p)), by_code[seg.district].geometry), seg.id
    assert {s.district for s in city.segments} == set(by_code)


def test_stations_lie_in_their_district(city):
    by_code = {d.code: d for d in city.districts}
    for st in city.stations:
        assert point_in_polygon((st.lon, st.lat), by_code[st.district].geometry)
    assert all(sum(s.district == d for s in city.stations) >= 3 for d in by_code)


def test_every_category_is_answered_for_in_every_district(city):
    for cat in CATEGORIES:
        for d in city.districts:
            assert any(dep.answers_for(cat.code, d.code) for dep in city.departments), (cat.code, d.code)
    known = {c.code for c in CATEGORIES}
    assert all(set(dep.categories) <= known for dep in city.departments)


def test_bus_routes_run_inside_the_city(city):
    for route in city.routes:
        coords = route.geometry["coordinates"]
        assert len(coords) >= 5
        assert all(city.district_at(*c) for c in coords)


def test_river_crosses_the_city(city):
    river = build_river(7)
    assert river["geometry"]["type"] == "LineString"
    assert river["properties"]["name_zh"] == "澜江"
    assert sum(city.district_at(*c) is not None for c in river["geometry"]["coordinates"]) > 20


@pytest.mark.parametrize("seed", [1, 2, 3, 42, 2024])
def test_other_seeds_keep_the_invariants(seed):
    c = build_city(seed)
    assert len(c.segments) >= 300 and len(c.stations) >= 30
    for seg in c.segments:
        mid = seg.geometry["coordinates"][len(seg.geometry["coordinates"]) // 2]
        assert c.district_at(*mid) is not None
