"""A city package as a GIS department delivers it: districts as a GBK Shapefile in EPSG:4549, the unit
grid as a GeoPackage traced in GCJ-02 (declared), through `cityops city validate / import / export`;
export → import into a new store → export gives the same files; a GCJ-02 grid declared as nothing is
warned about."""
from __future__ import annotations

import json

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Transformer

from dashboard.cli import main
from dashboard.geo.chinese_crs import wgs84_to_gcj02
from dashboard.store import geo as geo_store, open_store

WEST = shapely.box(118.73, 31.99, 118.78, 32.09)
EAST = shapely.box(118.78, 31.99, 118.83, 32.09)


def _write(path, geoms, fields: dict, crs, driver, encoding=None):
    pyogrio.raw.write(str(path), np.array(shapely.to_wkb(geoms), dtype=object),
                      [np.array(v, dtype=object) for v in fields.values()], list(fields), driver=driver, crs=crs,
                      geometry_type="Polygon", encoding=encoding)


def _transform(geoms, fn):
    return list(shapely.transform(np.array(geoms, dtype=object), lambda x, y: fn(x, y), interleaved=False))


def _cells():
    cells, codes = [], []
    for i in range(2):
        for j in range(4):
            cells.append(shapely.box(118.73 + 0.025 * i, 31.99 + 0.025 * j, 118.755 + 0.025 * i, 32.015 + 0.025 * j))
            codes.append(f"3201020010{i}{j}001")          # 15 digits
    return cells, codes


def make_package(root, declare_gcj=True):
    assert main(["city", "init", str(root)]) == 0
    (root / "districts.geojson").unlink()
    (root / "gis").mkdir()
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    gk = _transform([shapely.segmentize(WEST, 0.002), shapely.segmentize(EAST, 0.002)], t.transform)
    _write(root / "gis" / "districts.shp", gk, {"XZQDM": ["320102", "320104"], "XZQMC": ["中心区", "东区"]},
           "EPSG:4549", "ESRI Shapefile", encoding="GBK")
    cells, codes = _cells()
    _write(root / "gis" / "grid.gpkg", _transform(cells, wgs84_to_gcj02), {"BGDM": codes}, "EPSG:4326", "GPKG")
    toml = (root / "city.toml").read_text(encoding="utf-8")
    toml += ('\n[geography.districts]\nfile = "gis/districts.shp"\ncode = "XZQDM"\nname_zh = "XZQMC"\n'
             '\n[geography.grid]\nfile = "gis/grid.gpkg"\ncode = "BGDM"\n' + ('crs = "gcj02"\n' if declare_gcj else ""))
    (root / "city.toml").write_text(toml, encoding="utf-8")
    return root


def test_validate_import_export_round_trip(tmp_path, capsys):
    pkg = make_package(tmp_path / "pkg")
    assert main(["city", "validate", str(pkg)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "2 districts" in out, out
    data = tmp_path / "data"
    assert main(["city", "import", str(pkg), "--commit", "--data-dir", str(data)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "grid" in out, out
    store = open_store(f"sqlite:///{data / 'cityops.sqlite3'}")
    with store.connect() as conn:
        cells = geo_store.grid_cells(conn)
    store.close()
    assert [c["code"] for c in cells] == sorted(_cells()[1])
    assert {c["district"] for c in cells} == {"320102"}
    # GCJ-02 declared: the cells are back on WGS-84 within 1 m (1e-5° ≈ 1 m)
    first = shapely.geometry.shape(cells[0]["geometry"])
    assert shapely.hausdorff_distance(first, _cells()[0][0]) < 1e-5
    # the same import again changes nothing
    assert main(["city", "import", str(pkg), "--data-dir", str(data)]) == 0
    assert "grid" not in capsys.readouterr().out
    # export → import into a new store → export: the same bytes
    assert main(["city", "export", str(tmp_path / "out1"), "--data-dir", str(data)]) == 0
    assert (tmp_path / "out1" / "grid.geojson").is_file()
    names = json.loads((tmp_path / "out1" / "districts.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["name_zh"] for f in names["features"]] == ["中心区", "东区"]     # GBK read right
    assert main(["city", "import", str(tmp_path / "out1"), "--commit", "--data-dir", str(tmp_path / "data2")]) == 0
    assert main(["city", "export", str(tmp_path / "out2"), "--data-dir", str(tmp_path / "data2")]) == 0
    for f in sorted(p.name for p in (tmp_path / "out1").iterdir()):
        assert (tmp_path / "out1" / f).read_bytes() == (tmp_path / "out2" / f).read_bytes(), f


def test_routing_rules_may_name_grid_cells(tmp_path, capsys):
    pkg = make_package(tmp_path / "pkg")
    cell = _cells()[1][0]
    with open(pkg / "routing.csv", "a", encoding="utf-8") as f:
        f.write(f",01,部件,{cell},cgj,yes\n")
    assert main(["city", "validate", str(pkg)]) == 0, capsys.readouterr().out
    with open(pkg / "routing.csv", "a", encoding="utf-8") as f:
        f.write(",01,部件,999999999999999,cgj,yes\n")          # neither a district nor a cell
    assert main(["city", "validate", str(pkg)]) == 2
    assert "999999999999999" in capsys.readouterr().out


def test_gcj02_grid_declared_as_nothing_is_warned(tmp_path, capsys):
    pkg = make_package(tmp_path / "pkg", declare_gcj=False)
    main(["city", "validate", str(pkg)])
    out = capsys.readouterr().out
    assert "grid.gpkg" in out and "GCJ-02" in out and 'crs = "gcj02"' in out, out


def test_projected_shapefile_without_prj_is_refused_in_validate(tmp_path, capsys):
    pkg = make_package(tmp_path / "pkg")
    (pkg / "gis" / "districts.prj").unlink()
    assert main(["city", "validate", str(pkg)]) == 2
    out = capsys.readouterr().out
    assert "Shapefile without .prj" in out, out
