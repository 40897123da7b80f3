"""Coordinate systems: what a layer's coordinates are, and how they become WGS-84 lon/lat.

A declaration (in the city package, per package or per layer) or the file's own CRS (.prj, the
GeoPackage's srs) names it. Anything PROJ knows is accepted as "EPSG:4549", "4549", a WKT or a
PROJ string; plus the names "WGS84", "CGCS2000", "GCJ-02" (gcj02) and "BD-09" (bd09), which PROJ
does not know: they are converted by dashboard.geo.chinese_crs after reading the numbers as degrees.

3-degree Gauss–Krüger (CGCS2000): EPSG:4513–4533 are zones 25–45 with the zone number in front of
the easting (40 500 000 m at the central meridian of zone 40), EPSG:4534–4554 the same zones without
it (500 000 m). A file that says one but whose eastings are written the other way is read the way
its numbers are, and said so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from . import chinese_crs

CHINESE = {"gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "mars": "gcj02",
           "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09"}
ALIASES = {"wgs84": "EPSG:4326", "wgs-84": "EPSG:4326", "wgs 84": "EPSG:4326", "crs84": "OGC:CRS84",
           "cgcs2000": "EPSG:4490", "web mercator": "EPSG:3857", "webmercator": "EPSG:3857"}
GK_PREFIXED = range(4513, 4534)     # zone 25 (CM 75°E) … zone 45 (CM 135°E), easting with zone prefix
GK_PLAIN = range(4534, 4555)        # the same central meridians, easting without prefix


class CrsError(ValueError):
    pass


@dataclass(frozen=True)
class SourceCrs:
    """How to read a layer's numbers: `crs` (a PROJ CRS) first, then `chinese` (gcj02/bd09) if any."""
    crs: CRS
    chinese: str | None = None
    label: str = ""

    @property
    def geographic(self) -> bool:
        return self.crs.is_geographic

    def __str__(self) -> str:
        return self.label or self.crs.to_string()


def parse_declaration(text: str | None) -> SourceCrs | None:
    """A declared CRS → SourceCrs; None for no declaration; CrsError with what is accepted."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    key = raw.lower()
    if key in CHINESE:
        return SourceCrs(CRS.from_epsg(4326), CHINESE[key], CHINESE[key])
    target = ALIASES.get(key, raw)
    if target.isdigit():
        target = f"EPSG:{target}"
    try:
        crs = CRS.from_user_input(target)
    except CRSError:
        raise CrsError(f"unknown coordinate system {raw!r}: give an EPSG code (EPSG:4490, EPSG:4549 …), "
                       f"WGS84, CGCS2000, GCJ-02 or BD-09") from None
    return SourceCrs(crs, None, _label(crs, raw))


def from_file(crs_text: str | None) -> SourceCrs | None:
    """The CRS a file states (WKT from a .prj, 'EPSG:…' from pyogrio), or None."""
    if not crs_text:
        return None
    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError:
        return None
    return SourceCrs(crs, None, _label(crs, crs_text))


def _label(crs: CRS, raw: str) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else (crs.name or raw[:60])


def epsg(source: SourceCrs) -> int | None:
    return source.crs.to_epsg(min_confidence=70)


def adjust_zone_prefix(source: SourceCrs, xs: np.ndarray) -> tuple[SourceCrs, str | None]:
    """A 3-degree Gauss–Krüger CRS whose eastings are written the other way (with or without the
    zone prefix): the matching CRS, and a note saying so."""
    code = epsg(source)
    if code is None or not len(xs):
        return source, None
    x = float(np.nanmedian(xs))
    if code in GK_PLAIN and x > 1e7:
        zone = int(x // 1e6)
        if zone in range(25, 46):
            new = 4513 + zone - 25
            return (SourceCrs(CRS.from_epsg(new), source.chinese, f"EPSG:{new}"),
                    f"the eastings carry the zone prefix {zone} although {source} has none: read as EPSG:{new}")
    if code in GK_PREFIXED and 0 < x < 1e6:
        new = 4534 + code - 4513
        return (SourceCrs(CRS.from_epsg(new), source.chinese, f"EPSG:{new}"),
                f"the eastings have no zone prefix although {source} expects one: read as EPSG:{new}")
    return source, None


def guess_projected(xs: np.ndarray, ys: np.ndarray) -> str:
    """What numbers that cannot be degrees probably are (for the message's fix)."""
    x, y = float(np.nanmedian(xs)), float(np.nanmedian(ys))
    if 2.5e7 <= x < 4.6e7 and 1e6 < y < 6.5e6:
        zone = int(x // 1e6)
        return f"3-degree Gauss–Krüger with the zone prefix {zone}: EPSG:{4513 + zone - 25} (CGCS2000)"
    if 1e5 < x < 9e5 and 1e6 < y < 6.5e6:
        return ("a Gauss–Krüger or UTM projection without zone prefix: EPSG:4534–4554 (CGCS2000 3-degree, by "
                "central meridian, e.g. EPSG:4549 for 120°E) or EPSG:32649–32651 (UTM 49N–51N)")
    if 7e6 < abs(x) < 2.01e7 and abs(y) < 2.01e7:
        return "Web Mercator: EPSG:3857"
    return "a projected coordinate system: the one the GIS department exported in (an EPSG code)"


def looks_like_degrees(xs: np.ndarray, ys: np.ndarray) -> bool:
    return bool(len(xs)) and bool(np.all(np.abs(xs) <= 180.0) and np.all(np.abs(ys) <= 90.0))


def transformer(source: SourceCrs) -> Transformer:
    return Transformer.from_crs(source.crs, CRS.from_epsg(4326), always_xy=True)


def to_wgs84(source: SourceCrs, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers in `source` → WGS-84 lon, lat."""
    if source.crs.to_epsg() == 4326 or source.crs.to_string() == "OGC:CRS84":
        lon, lat = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    else:
        lon, lat = transformer(source).transform(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    if source.chinese:
        lon, lat = chinese_crs.TO_WGS84[source.chinese](lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
