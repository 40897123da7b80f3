"""GCJ-02 / BD-09 inverses (≤ 1 m, property-based), CRS declarations, and the STRtree indexes."""
from __future__ import annotations

import pytest
import shapely
from hypothesis import given, settings, strategies as st

from dashboard.domain.city import City, District
from dashboard.domain.geo import AreaIndex, LineIndex, haversine_m
from dashboard.geo import chinese_crs as cc
from dashboard.geo.crs import CrsError, parse_declaration

lons = st.floats(min_value=73.7, max_value=134.8)
lats = st.floats(min_value=18.2, max_value=53.4)


@settings(max_examples=300, deadline=None)
@given(lons, lats)
def test_gcj02_inverse_within_a_metre(lon, lat):
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    assert 10 < haversine_m((lon, lat), (float(glon), float(glat))) < 1500       # the offset is real
    wlon, wlat = cc.gcj02_to_wgs84(glon, glat)
    assert haversine_m((lon, lat), (float(wlon), float(wlat))) <= 0.01           # goal ≤ 1 m; we get mm


@settings(max_examples=300, deadline=None)
@given(lons, lats)
def test_bd09_inverse_within_a_metre(lon, lat):
    blon, blat = cc.wgs84_to_bd09(lon, lat)
    wlon, wlat = cc.bd09_to_wgs84(blon, blat)
    assert haversine_m((lon, lat), (float(wlon), float(wlat))) <= 0.01


def test_known_offset_and_outside_china():
    # a published pair (Tiananmen, WGS-84 → GCJ-02), to the formula's usual 1e-6°
    glon, glat = cc.wgs84_to_gcj02(116.391349, 39.907375)
    assert abs(glon - 116.397590) < 2e-5 and abs(glat - 39.908775) < 2e-5
    assert cc.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)           # Paris: no offset


@pytest.mark.parametrize("text,expect", [("EPSG:4549", "EPSG:4549"), ("4490", "EPSG:4490"), ("CGCS2000", "EPSG:4490"),
                                         ("wgs84", "EPSG:4326"), ("EPSG:32650", "EPSG:32650"), ("EPSG:3857", "EPSG:3857"),
                                         ("GCJ-02", "gcj02"), ("bd09", "bd09")])
def test_declarations(text, expect):
    assert str(parse_declaration(text)) == expect


def test_bad_declaration_says_what_is_accepted():
    with pytest.raises(CrsError, match="EPSG:4549"):
        parse_declaration("Beijing 54 maybe")
    assert parse_declaration("") is None


def test_area_index_smallest_wins_and_city_lookup():
    big = shapely.box(0, 0, 10, 10)
    cell = shapely.box(1, 1, 2, 2)
    index = AreaIndex([("D1", big), ("330106001001001", cell)])
    assert index.at(1.5, 1.5) == "330106001001001" and index.at(5, 5) == "D1" and index.at(11, 5) is None
    assert index.at_many([1.5, 5, 11], [1.5, 5, 5]) == ["330106001001001", "D1", None]
    ring = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    hole = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]
    city = City("城", "C", (0.5, 0.5), (District("A", "甲", "A", {"type": "Polygon", "coordinates": [ring, hole]}),), (), (), ())
    assert city.district_at(0.2, 0.2) == "A" and city.district_at(0.5, 0.5) is None   # holes respected
    assert city.district_index is city.district_index                                  # built once


def test_line_index_nearest_in_metres():
    index = LineIndex([("S1", {"type": "LineString", "coordinates": [[120.0, 30.0], [120.01, 30.0]]}),
                       ("S2", {"type": "LineString", "coordinates": [[120.0, 30.01], [120.01, 30.01]]})])
    sid, d = index.nearest(120.005, 30.001)
    assert sid == "S1" and d == pytest.approx(111.2, abs=1)
    assert index.nearest(120.005, 30.005, max_distance_m=100) is None


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(allow_nan=True), st.text(max_size=6)),
                          st.one_of(st.floats(allow_nan=True), st.text(max_size=6)), st.text(max_size=8)),
                max_size=6),
       st.sampled_from(["utf-8", "gbk"]))
def test_csv_layers_never_fail_unexplained(rows, encoding):
    """Whatever a spreadsheet writes: a layer with its issues, or GeoReadError saying why."""
    import csv
    import io
    import tempfile
    from pathlib import Path

    from dashboard.geo import GeoReadError, read_layer
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["lon", "lat", "名称"])
    for x, y, name in rows:
        w.writerow([x, y, name])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.csv"
        path.write_bytes(out.getvalue().encode(encoding, errors="replace"))
        try:
            layer = read_layer(path)
        except GeoReadError as exc:
            assert exc.issues and all(i.message for i in exc.issues)
            return
        assert len(layer) + len([i for i in layer.errors if i.feature]) == len(rows)
