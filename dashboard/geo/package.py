"""The geography of a city package (issue 15), read the way the GIS department delivers it.

city.toml may declare where the layers are and what coordinate system they are in:

    [geography]
    crs = "EPSG:4549"                 # every layer's, unless the layer or its file says otherwise

    [geography.districts]             # instead of districts.geojson
    file = "gis/行政区.shp"            # GeoJSON, Shapefile (.shp or .zip), GeoPackage, CSV
    crs = "gcj02"                     # this layer's (EPSG code, CGCS2000, WGS84, GCJ-02, BD-09)
    layer = "districts"               # a GeoPackage's layer
    encoding = "GBK"                  # attribute text, when there is no .cpg
    code = "XZQDM"                    # the attribute holding the code (default "code")
    name_zh = "XZQMC"                 # … the Chinese name (default "name_zh")
    name_en = "NAME_EN"               # … the English name (default "name_en")

    [geography.grid]                  # the unit grid (单元网格), optional; default file grid.geojson
    file = "gis/单元网格.gpkg"
    code = "BGDM"                     # cell codes are strings (14–15 digits in practice; any length)
    district = "XZQDM"                # the district code attribute (default: found by location)

area_codes.csv (optional; columns scheme, value, district) lists other codes a district answers to
(SAME/FIPS, an older division code …) for CAP <geocode> and EIDO locations given as codes.

`district_features(path, problems)` gives #14's reader the districts when they are declared;
`read_geography(path, package)` reads the grid and the area codes and adds the geography's checks
(layers off the districts by GCJ-02, far from the centre, gaps between districts, cells outside every
district) to the package's problems.
"""
from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import shape

from . import checks
from .issues import GeoIssue
from .layers import Layer, to_geojson
from .quality import overlaps_and_gaps
from .read import GeoReadError, read_layer

CITY_TOML = "city.toml"
GRID = "grid.geojson"
AREA_CODES = "area_codes.csv"
DISTRICTS = "districts.geojson"


@dataclass
class Geography:
    grid: list[dict] = field(default_factory=list)          # {"code", "district", "name", "geometry"}
    area_codes: list[dict] = field(default_factory=list)    # {"scheme", "value", "district"}
    declared: dict = field(default_factory=dict)            # the [geography] section as read
    layers: dict = field(default_factory=dict)              # name → Layer (WGS-84), for the checks


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads((path / CITY_TOML).read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _spec(info: dict, kind: str) -> dict | None:
    geo = info.get("geography") or {}
    spec = geo.get(kind)
    if not isinstance(spec, dict):
        return None
    return {"crs": geo.get("crs"), **spec}


def _report(problems, issues: list[GeoIssue]) -> None:
    for i in issues:
        where = f"feature {i.feature}" if i.feature else ""
        (problems.error if i.level == "error" else problems.warn)(i.file, where, i.message, i.fix)


def _read(path: Path, spec: dict, default_file: str, problems, label: str) -> Layer | None:
    file = path / str(spec.get("file") or default_file)
    try:
        layer = read_layer(file, crs=spec.get("crs"), layer=spec.get("layer"), encoding=spec.get("encoding"),
                           label=str(spec.get("file") or default_file))
    except GeoReadError as exc:
        _report(problems, exc.issues)
        return None
    _report(problems, layer.issues)
    return layer


def district_features(path: str | Path, problems):
    """The districts from the layer city.toml declares under [geography.districts], as the package
    reader's features (properties code, name_zh, name_en); None when nothing is declared."""
    from dashboard.citypkg.files import Feature
    path = Path(path)
    spec = _spec(_toml(path), "districts")
    if spec is None:
        return None
    layer = _read(path, spec, DISTRICTS, problems, "districts")
    if layer is None:
        return []
    names = {k: str(spec.get(k) or k) for k in ("code", "name_zh", "name_en")}
    out = []
    for n, (g, props) in enumerate(zip(layer.geometries, layer.properties), start=1):
        canon = {k: _text(props.get(src)) for k, src in names.items()}
        if not canon["name_en"]:
            canon["name_en"] = canon["name_zh"]
        if "retired" in props:
            canon["retired"] = props["retired"]
        out.append(Feature(n, canon, to_geojson(g)))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)      # a code stored as a number in the .dbf
    return str(value).strip()


def read_geography(path: str | Path, package) -> Geography:
    """The grid and the area codes of the package, plus the geography's checks, into package.problems."""
    path = Path(path)
    problems = package.problems
    info = _toml(path)
    geo = Geography(declared=info.get("geography") or {})
    city = package.city
    if city is None:
        return geo
    districts = Layer("districts", [shape(d.geometry) for d in city.districts],
                      [{"code": d.code} for d in city.districts], "EPSG:4326")
    geo.layers["districts"] = districts
    if len(districts):
        _report(problems, checks.far_from_centre(districts, tuple(city.center)))
        gaps = [i for i in overlaps_and_gaps([d.code for d in city.districts], districts.geometries, DISTRICTS)
                if "gap" in i.message]          # overlaps: the package's own check reports them as errors
        _report(problems, gaps)
    spec = _spec(info, "grid")
    if spec is None and (path / GRID).is_file():
        spec = {"file": GRID}
    if spec is not None:
        grid = _read(path, spec, GRID, problems, "grid")
        if grid is not None:
            geo.layers["grid"] = grid
            geo.grid = _grid_cells(grid, spec, city, problems)
            _rules_may_name_cells(problems, {c["code"] for c in geo.grid})
            _report(problems, checks.gcj_offset(grid, districts))
            _report(problems, checks.far_from_centre(grid, tuple(city.center)))
    if (path / AREA_CODES).is_file():
        geo.area_codes = _area_codes(path / AREA_CODES, {d.code for d in city.districts}, problems)
    return geo


def _rules_may_name_cells(problems, cells: set[str]) -> None:
    """A routing rule's area may be a grid cell: the package's own check, which knows only districts,
    reported such a rule as naming an unknown district; a cell of the grid is not one."""
    def names_a_cell(p) -> bool:
        return p.file == "routing.csv" and any(p.message.startswith(f"names district {c!r}") for c in cells)
    problems[:] = [p for p in problems if not names_a_cell(p)]


def _grid_cells(layer: Layer, spec: dict, city, problems) -> list[dict]:
    from dashboard.domain.geo import AreaIndex
    code_key = str(spec.get("code") or "code")
    district_key = spec.get("district") or "district"
    name_key = str(spec.get("name") or "name")
    index = AreaIndex((d.code, d.geometry) for d in city.districts)
    known = {d.code for d in city.districts}
    seen: dict[str, int] = {}
    out = []
    for n, (g, props) in enumerate(zip(layer.geometries, layer.properties), start=1):
        code = _text(props.get(code_key))
        where = f"feature {n}"
        if not code:
            problems.error(layer.name, where, f"grid cell without a code (attribute {code_key!r})",
                           f"give every cell its code, or name the attribute: code = \"…\" under [geography.grid]")
            continue
        if code in seen:
            problems.error(layer.name, where, f"grid cell code {code} is used twice (first at feature {seen[code]})",
                           "give each cell its own code")
            continue
        seen[code] = n
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.error(layer.name, where, f"grid cell {code} is not a polygon", "draw the cell as a polygon")
            continue
        district = _text(props.get(district_key)) or None
        inside = index.at(*shapely.get_coordinates(g.representative_point())[0])
        if district is None:
            district = inside
        elif district not in known:
            problems.error(layer.name, where, f"grid cell {code} names district {district!r}, which the districts "
                                              "do not have", "use a district code from the districts layer")
            continue
        if inside is None:
            problems.warn(layer.name, where, f"grid cell {code} lies outside every district",
                          "check the cell's coordinates (and the layer's crs) or the districts' outlines")
        out.append({"code": code, "district": district, "name": _text(props.get(name_key)), "geometry": to_geojson(g)})
    return out


def _area_codes(file: Path, districts: set[str], problems) -> list[dict]:
    from dashboard.citypkg.files import read_csv
    rows = read_csv(file, problems, ("scheme", "value", "district")) or []
    out, seen = [], set()
    for r in rows:
        key = (r.get("scheme"), r.get("value"), r.get("district"))
        if not r.get("value") or r.get("district") not in districts:
            problems.error(AREA_CODES, f"line {r.line}", f"district {r.get('district')!r} is not a district of the "
                                                         "package, or the value is empty",
                           "give a code and a district code from the districts layer")
            continue
        if key in seen:
            continue
        seen.add(key)
        out.append({"scheme": key[0], "value": key[1], "district": key[2]})
    return out


# -- into the store, out of it ------------------------------------------------------------------------
def changes(conn, geo: Geography | None) -> dict:
    """What the import would change in the grid and the area codes: {kind: (added, changed, removed)}."""
    from dashboard.store import geo as geo_store
    if geo is None:
        return {}
    out = {}
    old = {c["code"]: (c["district"], c["name"], json.dumps(c["geometry"], sort_keys=True)) for c in geo_store.grid_cells(conn)}
    new = {c["code"]: (c["district"], c["name"], json.dumps(c["geometry"], sort_keys=True)) for c in geo.grid}
    out["grid"] = _delta(old, new)
    old_codes = {f"{r['scheme']}/{r['value']}/{r['district']}": 1 for r in geo_store.area_codes(conn)}
    new_codes = {f"{r['scheme']}/{r['value']}/{r['district']}": 1 for r in geo.area_codes}
    out["area_codes"] = _delta(old_codes, new_codes)
    return out


def _delta(old: dict, new: dict) -> tuple[list[str], list[str], list[str]]:
    return (sorted(k for k in new if k not in old), sorted(k for k in new if k in old and old[k] != new[k]),
            sorted(k for k in old if k not in new))


def save(conn, geo: Geography | None, now) -> None:
    """In the import's transaction: the grid and the area codes as the package has them."""
    from dashboard.store import geo as geo_store
    if geo is None:
        return
    delta = changes(conn, geo)
    if any(any(parts) for parts in delta.get("grid", ([], [], []))):
        geo_store.put_grid_cells(conn, geo.grid, now)
    if any(any(parts) for parts in delta.get("area_codes", ([], [], []))):
        geo_store.put_area_codes(conn, geo.area_codes, now)


def export_files(conn) -> dict[str, str]:
    """grid.geojson and area_codes.csv of the geography in force (deterministic: sorted, compact)."""
    from dashboard.store import geo as geo_store
    files = {}
    cells = geo_store.grid_cells(conn)
    if cells:
        body = ",\n".join(json.dumps({"type": "Feature", "properties": {"code": c["code"], "district": c["district"],
                                                                          "name": c["name"]},
                                      "geometry": {"type": c["geometry"]["type"],
                                                   "coordinates": c["geometry"]["coordinates"]}},
                                     ensure_ascii=False, separators=(",", ":")) for c in cells)
        files[GRID] = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    codes = sorted((r["scheme"], r["value"], r["district"]) for r in geo_store.area_codes(conn))
    if codes:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(("scheme", "value", "district"))
        w.writerows(codes)
        files[AREA_CODES] = out.getvalue()
    return files
