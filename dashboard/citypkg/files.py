"""Reading the package's files: text in UTF-8 (or GBK/GB18030, said so), CSV rows with their line
numbers, and map layers. Reading a layer file happens in `read_layer` only, so that readers of other
GIS formats (Shapefile, GeoPackage, other coordinate systems) plug in there."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from .problems import Problems


def read_text(path: Path, problems: Problems) -> str | None:
    """The file's text; a file saved as GBK/GB18030 (a spreadsheet's 'CSV' on a Chinese Windows) is
    read as such, with a warning."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        problems.error(path.name, "", "is neither UTF-8 nor GBK/GB18030 text",
                       "save it as 'CSV UTF-8' from the spreadsheet")
        return None
    problems.warn(path.name, "", "is encoded in GBK/GB18030, not UTF-8; it was read as GB18030",
                  "save it as 'CSV UTF-8 (逗号分隔)' so every tool reads it the same way")
    return text


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        value = self.values.get(key)
        return default if value is None else str(value).strip()


def read_csv(path: Path, problems: Problems, required: tuple[str, ...],
             aliases: dict[str, str] | None = None) -> list[Row] | None:
    """Rows with the line each starts on; None when the file cannot be used at all. `aliases` maps
    other names a column goes by to the name used here."""
    text = read_text(path, problems)
    if text is None:
        return None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(aliases or {}).get(h.strip(), h.strip()) for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        problems.error(path.name, "line 1", f"has no column {', '.join(missing)} (columns found: {', '.join(header) or 'none'})",
                       f"the first line must name the columns: {', '.join(required)}")
        return None
    rows, start = [], 2
    for values in reader:
        line, start = start, reader.line_num + 1
        if not any((v or "").strip() for v in values.values() if isinstance(v, str)):
            continue   # a blank line
        rows.append(Row(line, {k: v for k, v in values.items() if k is not None}))
    if not rows:
        problems.error(path.name, "", "has no rows (only its header)", "add one line per record below the header")
    return rows


@dataclass
class Feature:
    number: int             # 1-based, in file order
    properties: dict
    geometry: dict | None


def read_layer(path: Path, problems: Problems) -> list[Feature] | None:
    """The features of a layer file (GeoJSON FeatureCollection in WGS-84 longitude/latitude)."""
    text = read_text(path, problems)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.error(path.name, f"line {exc.lineno}", f"is not valid GeoJSON: {exc.msg}",
                       "export the layer again as GeoJSON (WGS-84)")
        return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        problems.error(path.name, "", "is not a GeoJSON FeatureCollection", "export the layer as a GeoJSON FeatureCollection")
        return None
    features = [Feature(n, f.get("properties") or {}, f.get("geometry"))
                for n, f in enumerate(data["features"], start=1) if isinstance(f, dict)]
    if not features:
        problems.error(path.name, "", "has no features", "the layer must hold at least one feature")
    return features
