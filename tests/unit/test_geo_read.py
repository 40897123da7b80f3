"""Reading the same districts as a GIS department delivers them (GeoJSON WGS-84 and GCJ-02, a GBK
Shapefile in EPSG:4549, a GeoPackage, zipped, CSV) gives the same polygons within 1 m."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pyogrio.raw
import pytest
import shapely
from pyproj import Transformer

from dashboard.geo import GeoReadError, read_layer
from dashboard.geo.checks import coverage, far_from_centre, gcj_offset
from dashboard.geo.chinese_crs import wgs84_to_gcj02
from dashboard.geo.quality import overlaps_and_gaps, simplified, to_metres, wall_tolerance

CENTRE = (120.15, 30.25)


def districts():
    """Three districts near Hangzhou (CM 120°E): one with a hole, one a multipolygon."""
    a = shapely.Polygon([(120.10, 30.20), (120.15, 30.20), (120.15, 30.26), (120.10, 30.26)],
                        holes=[[(120.12, 30.22), (120.13, 30.22), (120.13, 30.23), (120.12, 30.23)]])
    b = shapely.Polygon([(120.15, 30.20), (120.20, 30.20), (120.20, 30.26), (120.15, 30.26)])
    c = shapely.MultiPolygon([
        shapely.Polygon([(120.10, 30.26), (120.20, 30.26), (120.20, 30.30), (120.10, 30.30)]),
        shapely.Polygon([(120.21, 30.27), (120.23, 30.27), (120.23, 30.29), (120.21, 30.29)])])
    return [a, b, c], ["330106", "330102", "330105"], ["西湖区", "上城区", "拱墅区"]


def densify(g, step=0.002):
    return shapely.segmentize(g, step)


def write(path, geoms, codes, names, crs, driver, encoding=None):
    fields = [np.array(codes, dtype=object), np.array(names, dtype=object)]
    pyogrio.raw.write(str(path), np.array(shapely.to_wkb(geoms), dtype=object), fields, ["code", "name"],
                      driver=driver, crs=crs, geometry_type="MultiPolygon" if driver == "ESRI Shapefile" else "Unknown",
                      encoding=encoding)


def transform(geoms, fn):
    return list(shapely.transform(np.array(geoms, dtype=object), lambda x, y: fn(x, y), interleaved=False))


def to_4549(geoms, prefix=False):
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    return transform(geoms, lambda x, y: (np.asarray(t.transform(x, y)[0]) + (40e6 if prefix else 0), t.transform(x, y)[1]))


def max_gap_m(got, want):
    both = to_metres(list(got) + list(want), CENTRE)
    n = len(got)
    return max(shapely.hausdorff_distance(both[i], both[n + i]) for i in range(n))


@pytest.fixture
def truth():
    geoms, codes, names = districts()
    return [densify(g) for g in geoms], codes, names


def test_the_same_districts_from_every_format(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "wgs.geojson", geoms, codes, names, "EPSG:4326", "GeoJSON")
    write(tmp_path / "gcj.geojson", transform(geoms, wgs84_to_gcj02), codes, names, "EPSG:4326", "GeoJSON")
    write(tmp_path / "gk.shp", to_4549(geoms), codes, names, "EPSG:4549", "ESRI Shapefile", encoding="GBK")
    write(tmp_path / "d.gpkg", geoms, codes, names, "EPSG:4490", "GPKG")
    assert (tmp_path / "gk.cpg").read_text().strip().upper() in ("GBK", "CP936", "936")
    layers = {
        "wgs": read_layer(tmp_path / "wgs.geojson"),
        "gcj": read_layer(tmp_path / "gcj.geojson", crs="GCJ-02"),
        "shp": read_layer(tmp_path / "gk.shp"),
        "gpkg": read_layer(tmp_path / "d.gpkg"),
    }
    for name, layer in layers.items():
        assert not layer.errors, (name, layer.issues)
        assert [p["code"] for p in layer.properties] == codes, name
        assert [p["name"] for p in layer.properties] == names, name          # GBK text read right
        assert max_gap_m(layer.geometries, geoms) <= 1.0, name
        kinds = [g.geom_type for g in layer.geometries]
        assert kinds[2] == "MultiPolygon" and len(layer.geometries[0].interiors) == 1, name   # kept
    feature = layers["shp"].features[0]
    assert feature["geometry"]["type"] == "Polygon"
    ring = np.array(feature["geometry"]["coordinates"][0])
    assert shapely.LinearRing(ring).is_ccw                                    # RFC 7946 right-hand rule
    json.dumps(layers["shp"].feature_collection(), ensure_ascii=False)


def test_gbk_shapefile_without_cpg_is_read_and_said(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "gk.shp", to_4549(geoms), codes, names, "EPSG:4549", "ESRI Shapefile", encoding="GBK")
    (tmp_path / "gk.cpg").unlink()
    layer = read_layer(tmp_path / "gk.shp")
    assert [p["name"] for p in layer.properties] == names
    assert any("GB18030" in w.message and ".cpg" in w.fix for w in layer.warnings)


def test_zipped_shapefile_and_zone_prefix(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "gk.shp", to_4549(geoms, prefix=True), codes, names, "EPSG:4549", "ESRI Shapefile", encoding="GBK")
    with zipfile.ZipFile(tmp_path / "gk.zip", "w") as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            z.write(tmp_path / f"gk.{ext}", f"districts/gk.{ext}")
    layer = read_layer(tmp_path / "gk.zip")
    assert max_gap_m(layer.geometries, geoms) <= 1.0
    assert any("zone prefix 40" in w.message and "EPSG:4528" in w.message for w in layer.warnings)
    assert [p["name"] for p in layer.properties] == names


def test_projected_shapefile_without_prj_is_refused(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "gk.shp", to_4549(geoms), codes, names, "EPSG:4549", "ESRI Shapefile", encoding="GBK")
    (tmp_path / "gk.prj").unlink()
    with pytest.raises(GeoReadError) as err:
        read_layer(tmp_path / "gk.shp")
    message = str(err.value)
    assert "Shapefile without .prj" in message and "EPSG:45" in message
    # declared, it reads
    layer = read_layer(tmp_path / "gk.shp", crs="EPSG:4549")
    assert max_gap_m(layer.geometries, geoms) <= 1.0


def test_projected_numbers_read_as_degrees_are_refused(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "lie.geojson", to_4549(geoms, prefix=True), codes, names, "EPSG:4326", "GeoJSON")
    with pytest.raises(GeoReadError) as err:
        read_layer(tmp_path / "lie.geojson")
    assert "cannot be degrees" in str(err.value) and "EPSG:4528" in str(err.value)
    assert read_layer(tmp_path / "lie.geojson", crs="EPSG:4528").geometries


def test_gcj02_declared_as_wgs84_is_warned(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "wgs.geojson", geoms, codes, names, "EPSG:4326", "GeoJSON")
    write(tmp_path / "gcj.geojson", transform(geoms, wgs84_to_gcj02), codes, names, "EPSG:4326", "GeoJSON")
    reference = read_layer(tmp_path / "wgs.geojson")
    traced = read_layer(tmp_path / "gcj.geojson")          # no declaration: read as WGS-84
    found = gcj_offset(traced, reference)
    assert len(found) == 1 and "GCJ-02" in found[0].message and 'crs = "gcj02"' in found[0].fix
    assert not gcj_offset(read_layer(tmp_path / "gcj.geojson", crs="gcj02"), reference)
    assert not gcj_offset(reference, traced)               # the other way round it does not line up


def test_far_layer_and_coverage(tmp_path, truth):
    geoms, codes, names = truth
    write(tmp_path / "wgs.geojson", geoms, codes, names, "EPSG:4326", "GeoJSON")
    layer = read_layer(tmp_path / "wgs.geojson")
    assert not far_from_centre(layer, CENTRE)
    assert "km from the city's centre" in far_from_centre(layer, (116.4, 39.9))[0].message
    stations = [("A01", shapely.Point(120.12, 30.21)), ("A02", shapely.Point(120.30, 30.21))]
    roads = [("S1", shapely.LineString([(120.11, 30.21), (120.19, 30.21)])),
             ("S2", shapely.LineString([(120.19, 30.21), (120.25, 30.21)]))]
    found = coverage(layer, [("station", stations), ("road segment", roads)])
    assert sorted(i.feature for i in found) == ["A02", "S2"]
    assert any("nearest 330102" in i.message for i in found)


def test_repairs_overlaps_and_slivers(tmp_path):
    bow = shapely.Polygon([(120.10, 30.20), (120.15, 30.20), (120.15, 30.25), (120.13, 30.25),
                           (120.13, 30.2505), (120.1305, 30.2495), (120.10, 30.25)])   # a tiny self-crossing
    assert not bow.is_valid
    over = shapely.Polygon([(120.1490, 30.20), (120.20, 30.20), (120.20, 30.25), (120.1490, 30.25)])
    gap = shapely.Polygon([(120.10, 30.25), (120.20, 30.25), (120.20, 30.30), (120.10, 30.30)]).difference(
        shapely.box(120.16, 30.2499, 120.1605, 30.2505)).difference(shapely.box(120.16, 30.2500, 120.1605, 30.2504))
    write(tmp_path / "d.geojson", [bow, over, gap], ["A", "B", "C"], ["a", "b", "c"], "EPSG:4326", "GeoJSON")
    layer = read_layer(tmp_path / "d.geojson")
    assert all(g.is_valid for g in layer.geometries)
    assert any("repaired" in w.message and w.feature.endswith("code=A") for w in layer.warnings)
    found = overlaps_and_gaps(["A", "B", "C"], layer.geometries, layer.name)
    overlap = next(i for i in found if "overlap" in i.message)
    assert overlap.feature == "A/B" and "m²" in overlap.message
    # 0.001° × 0.05° at 30.2°N ≈ 96 m × 5.5 km
    area = float(overlap.message.split("by ")[1].split(" m²")[0].replace(",", ""))
    assert 500_000 < area < 560_000


def test_csv_points_lonlat_gbk_and_projected(tmp_path):
    (tmp_path / "st.csv").write_bytes("id,名称,lon,lat\nA01,西湖站,120.12,30.21\nA02,坏行,abc,30\n".encode("gbk"))
    layer = read_layer(tmp_path / "st.csv")
    assert len(layer) == 1 and layer.properties[0]["名称"] == "西湖站"
    assert any("GB18030" in w.message for w in layer.warnings)
    assert any(e.feature == "line 3" for e in layer.errors)
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    x, y = t.transform(120.12, 30.21)
    (tmp_path / "xy.csv").write_text(f"id,x,y\nA01,{x},{y}\n")
    with pytest.raises(GeoReadError, match="EPSG:4534"):
        read_layer(tmp_path / "xy.csv")
    p = read_layer(tmp_path / "xy.csv", crs="4549").geometries[0]
    assert abs(p.x - 120.12) < 1e-7 and abs(p.y - 30.21) < 1e-7


def test_bd09_declared(tmp_path, truth):
    from dashboard.geo.chinese_crs import wgs84_to_bd09
    geoms, codes, names = truth
    write(tmp_path / "bd.geojson", transform(geoms, wgs84_to_bd09), codes, names, "EPSG:4326", "GeoJSON")
    assert max_gap_m(read_layer(tmp_path / "bd.geojson", crs="BD-09").geometries, geoms) <= 1.0


def test_unknown_crs_and_format(tmp_path):
    (tmp_path / "a.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    with pytest.raises(GeoReadError, match="unknown coordinate system"):
        read_layer(tmp_path / "a.geojson", crs="EPSG:99999999")
    (tmp_path / "a.kml").write_text("<kml/>")
    with pytest.raises(GeoReadError, match="unknown format"):
        read_layer(tmp_path / "a.kml")


def test_simplified_copies_keep_shared_borders(truth):
    geoms, _, _ = truth
    tol = wall_tolerance(shapely.total_bounds(np.array(geoms, dtype=object)))
    simple = simplified(geoms[:2], tol)
    assert sum(len(shapely.get_coordinates(g)) for g in simple) < sum(len(shapely.get_coordinates(g)) for g in geoms[:2])
    assert shapely.intersection(simple[0], simple[1]).area < 1e-12     # still no overlap


def test_districts_are_drawn_simplified_and_looked_up_exactly(truth):
    from dashboard.domain.city import City, District
    from dashboard.geo.drawing import district_drawing
    from layouts.geo import districts_geojson
    geoms, codes, names = truth
    dense = [shapely.segmentize(g, 0.00005) for g in geoms[:2]]
    city = City("城", "C", CENTRE, tuple(District(c, n, n, shapely.geometry.mapping(g))
                                        for c, n, g in zip(codes, names, dense)), (), (), ())
    drawn = districts_geojson(city)["features"]
    exact = sum(len(shapely.get_coordinates(g)) for g in dense)
    assert sum(len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in drawn) < exact / 10
    assert district_drawing(city) is district_drawing(city)                    # once per city
    assert city.district_at(120.125, 30.225) is None                           # the hole, exactly
    assert city.district_at(120.11, 30.21) == "330106"
