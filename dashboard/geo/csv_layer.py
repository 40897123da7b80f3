"""Points from CSV: lon/lat (or x/y, 经度/纬度) columns in any encoding a spreadsheet writes (UTF-8, with
or without BOM, GBK/GB18030)."""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import shapely

from .issues import GeoIssue, error, warning

X_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "easting")
Y_NAMES = ("lat", "latitude", "y", "纬度", "northing")


def decode(data: bytes, declared: str | None) -> tuple[str, str]:
    if declared:
        return data.decode(declared), declared
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GB18030"


def read_csv_points(path: Path, name: str, encoding: str | None) -> tuple[list, list[dict], list[GeoIssue]]:
    from .read import GeoReadError
    issues: list[GeoIssue] = []
    try:
        text, used = decode(path.read_bytes(), encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise GeoReadError([error(name, f"cannot decode: {exc}", "save it as UTF-8 or declare encoding")]) from None
    if used != "UTF-8" and not encoding:
        issues.append(warning(name, f"read as {used}, not UTF-8", "save the file as UTF-8 to be sure"))
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    lower = {h.lower(): h for h in header}
    xcol = next((lower[n] for n in X_NAMES if n in lower), None)
    ycol = next((lower[n] for n in Y_NAMES if n in lower), None)
    if xcol is None or ycol is None:
        raise GeoReadError([error(name, f"no coordinate columns among {', '.join(header) or '(no header)'}",
                                  "name them lon and lat (or x and y)")])
    geometries, properties = [], []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        try:
            x, y = float(row[xcol]), float(row[ycol])
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError
        except (TypeError, ValueError):
            issues.append(error(name, f"{xcol}={row.get(xcol)!r}, {ycol}={row.get(ycol)!r} are not numbers: row left out",
                                "fix the row", feature=f"line {line}"))
            continue
        geometries.append(shapely.Point(x, y))
        properties.append({k: v for k, v in row.items() if k not in (xcol, ycol)})
    if not geometries:
        raise GeoReadError(issues + [error(name, "no rows with coordinates", "add rows, or leave the layer out")])
    return geometries, properties, issues
