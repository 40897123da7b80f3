"""Reading one layer: GeoJSON, Shapefile (plain or zipped; .prj, .cpg, GBK/GB18030 text), GeoPackage,
CSV (lon/lat or x/y columns) → a Layer in WGS-84, with every problem found on the way.

`read_layer(path, crs=None, layer=None, encoding=None)`: `crs` is the declaration (per package or
per layer; see dashboard.geo.crs), which wins over the file's own CRS; "gcj02"/"bd09" on a file whose
CRS is projected means "this projection, then GCJ-02/BD-09". A layer that cannot be read right is
refused: GeoReadError with its issues (a projected Shapefile without .prj, numbers that cannot be
degrees where degrees are said, an unknown CRS).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import shapely

from . import crs as crs_mod
from .csv_layer import read_csv_points
from .issues import GeoIssue, error, warning
from .layers import Layer
from .quality import repair

OGR_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile", ".zip": "ESRI Shapefile",
                ".gpkg": "GPKG"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
FORMATS = "GeoJSON (.geojson/.json), Shapefile (.shp or a .zip of one), GeoPackage (.gpkg), CSV (.csv)"


class GeoReadError(ValueError):
    def __init__(self, issues: list[GeoIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def read_layer(path: str | Path, crs: str | None = None, layer: str | int | None = None,
               encoding: str | None = None, label: str | None = None) -> Layer:
    path = Path(path)
    name = label or path.name + (f":{layer}" if layer not in (None, 0) else "")
    suffix = path.suffix.lower()
    try:
        declared = crs_mod.parse_declaration(crs)
    except crs_mod.CrsError as exc:
        raise GeoReadError([error(name, str(exc), "fix the crs declaration of this layer")]) from None
    if not path.exists():
        raise GeoReadError([error(name, "file not found", "check the file name in the package")])
    if suffix in CSV_SUFFIXES:
        geometries, properties, issues, file_crs, has_prj = (*read_csv_points(path, name, encoding), None, False)
    elif suffix in OGR_SUFFIXES:
        geometries, properties, issues, file_crs, has_prj = _read_ogr(path, name, layer, encoding)
    else:
        raise GeoReadError([error(name, f"unknown format {suffix or '(no suffix)'}", f"use {FORMATS}")])
    source, more = _source_crs(name, suffix, declared, file_crs, has_prj, geometries)
    issues += more
    if any(i.level == "error" for i in issues if i.feature is None):
        raise GeoReadError(issues)
    geometries = _to_wgs84(geometries, source)
    out = Layer(name, geometries, properties, str(source), issues)
    repair(out)
    return out


# -- OGR formats --------------------------------------------------------------------------------------

def _read_ogr(path: Path, name: str, layer, encoding: str | None):
    issues: list[GeoIssue] = []
    is_shape = path.suffix.lower() in (".shp", ".zip")
    has_prj = True
    if is_shape:
        has_prj, cpg, dbf = _shape_sidecars(path)
        if encoding is None and cpg is None and dbf is not None:
            encoding = _guess_dbf_encoding(dbf)
            if encoding != "UTF-8":
                issues.append(warning(name, f"no .cpg beside the .dbf: attribute text read as {encoding}",
                                      f"add a .cpg file holding '{encoding}' (or declare encoding) to be sure"))
    source = _zip_member(path) if path.suffix.lower() == ".zip" else str(path)
    try:
        meta, _, wkb, fields = pyogrio.raw.read(source, layer=layer, encoding=encoding, force_2d=True)
    except Exception as exc:   # what GDAL made of it, without the machine's path
        why = str(exc).replace(source, name).replace(str(path), name)[:300]
        raise GeoReadError([error(name, f"cannot be read: {why}", f"check the file is {FORMATS}")]) from None
    geometries = list(shapely.from_wkb(wkb)) if wkb is not None else []
    names = list(meta["fields"])
    properties = [{} for _ in geometries]
    for col, values in zip(names, fields):
        for i, v in enumerate(values.tolist() if hasattr(values, "tolist") else values):
            properties[i][col] = v.strip() if isinstance(v, str) else v
    for i, g in enumerate(geometries):
        if g is None or shapely.is_empty(g):
            issues.append(warning(name, "feature without geometry: left out", "give it a geometry or remove it",
                                  feature=f"#{i + 1}"))
    keep = [i for i, g in enumerate(geometries) if g is not None and not shapely.is_empty(g)]
    return [geometries[i] for i in keep], [properties[i] for i in keep], issues, meta.get("crs"), has_prj


def _zip_member(path: Path) -> str:
    """GDAL's path of the (first) Shapefile inside a zip, wherever in the zip it is."""
    with zipfile.ZipFile(path) as z:
        shp = next((n for n in z.namelist() if n.lower().endswith(".shp")), None)
    if shp is None:
        raise GeoReadError([error(path.name, "the zip holds no .shp", "zip the .shp with its .shx, .dbf, .prj, .cpg")])
    return f"/vsizip/{path}/{shp}"


def _shape_sidecars(path: Path) -> tuple[bool, str | None, bytes | None]:
    """(has .prj, .cpg text, .dbf bytes) of a Shapefile, plain or the first one in a zip."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            members = {n.lower(): n for n in z.namelist()}
            shp = next((n for n in members if n.endswith(".shp")), None)
            if shp is None:
                return True, None, None
            stem = shp[:-4]
            cpg = z.read(members[stem + ".cpg"]).decode("ascii", "replace").strip() if stem + ".cpg" in members else None
            dbf = z.read(members[stem + ".dbf"]) if stem + ".dbf" in members else None
            return stem + ".prj" in members, cpg, dbf
    def sidecar(ext: str) -> Path | None:
        for cand in (path.with_suffix(ext), path.with_suffix(ext.upper())):
            if cand.exists():
                return cand
        return None
    prj, cpg, dbf = sidecar(".prj"), sidecar(".cpg"), sidecar(".dbf")
    return (prj is not None, cpg.read_text("ascii", "replace").strip() if cpg else None,
            dbf.read_bytes() if dbf else None)


def _guess_dbf_encoding(dbf: bytes) -> str:
    """UTF-8 if the records decode as UTF-8, otherwise GB18030 (a superset of GBK) when that decodes."""
    header_len = int.from_bytes(dbf[8:10], "little") if len(dbf) > 10 else 0
    body = dbf[header_len:]
    if all(b < 0x80 for b in body[:200000]):
        return "UTF-8"
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        body.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return "ISO-8859-1"


# -- coordinate systems -----------------------------------------------------------------------------

def _coords(geometries: list) -> np.ndarray:
    if not geometries:
        return np.zeros((0, 2))
    return shapely.get_coordinates(np.array(geometries, dtype=object))


def _source_crs(name: str, suffix: str, declared, file_crs_text, has_prj: bool, geometries: list):
    issues: list[GeoIssue] = []
    xy = _coords(geometries)
    xs, ys = xy[:, 0], xy[:, 1]
    file_crs = crs_mod.from_file(file_crs_text)
    is_shape = suffix in (".shp", ".zip")
    if is_shape and not has_prj:
        file_crs = None
    if declared is not None and declared.chinese and file_crs is not None and not file_crs.geographic:
        source = crs_mod.SourceCrs(file_crs.crs, declared.chinese, f"{file_crs} + {declared.chinese}")
    elif declared is not None:
        source = declared
        if file_crs is not None and not declared.chinese and not file_crs.crs.equals(declared.crs, ignore_axis_order=True):
            issues.append(warning(name, f"the file says {file_crs}, the declaration {declared}: read as {declared}",
                                  "remove the declaration if the file is right"))
    elif file_crs is not None:
        source = file_crs
    else:
        if not crs_mod.looks_like_degrees(xs, ys):
            what = "Shapefile without .prj" if is_shape else "layer without a coordinate system"
            raise GeoReadError([error(
                name, f"projected coordinates in a {what} (x around {np.nanmedian(xs):,.0f}, y around "
                      f"{np.nanmedian(ys):,.0f}): CityOps will not guess the projection",
                f"ship the .prj the GIS department exported, or declare crs for this layer — probably "
                f"{crs_mod.guess_projected(xs, ys)}")])
        source = crs_mod.parse_declaration("EPSG:4326")
        if is_shape:
            issues.append(warning(name, "no .prj: the coordinates look like degrees and are read as WGS-84",
                                  "ship the .prj, or declare crs (CGCS2000, GCJ-02 …) if they are not WGS-84"))
    if source.geographic and not crs_mod.looks_like_degrees(xs, ys):
        raise GeoReadError(issues + [error(
            name, f"coordinates cannot be degrees (x up to {np.nanmax(np.abs(xs)):,.0f}, y up to "
                  f"{np.nanmax(np.abs(ys)):,.0f}) but the layer is read as {source}",
            f"declare the projected coordinate system for this layer — probably {crs_mod.guess_projected(xs, ys)}")])
    if not source.geographic:
        source, note = crs_mod.adjust_zone_prefix(source, xs)
        if note:
            issues.append(warning(name, note, "nothing to do if the layer lands where it should"))
    return source, issues


def _to_wgs84(geometries: list, source) -> list:
    if not geometries:
        return []
    arr = np.array(geometries, dtype=object)

    def convert(x, y):
        return crs_mod.to_wgs84(source, x, y)
    return list(shapely.transform(arr, convert, interleaved=False))
