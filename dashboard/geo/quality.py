"""Geometry quality: safe repairs, overlaps and gaps (slivers) between polygons with their area in m²
(computed in a local equal-area projection), and simplified copies for drawing."""
from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

from .issues import GeoIssue, warning, error

SAFE_AREA_CHANGE = 0.01    # a repair that changes the area by more than 1 % is not safe: refused
SLIVER_MAX_M2 = 5_000.0     # a gap inside the districts' union smaller than this is a sliver


def local_projection(lon: float, lat: float) -> Transformer:
    """WGS-84 → Lambert azimuthal equal-area centred on the layer: areas in m², distances near it in m."""
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    return Transformer.from_crs(CRS.from_epsg(4326), laea, always_xy=True)


def to_metres(geometries, centre: tuple[float, float] | None = None):
    arr = np.array(geometries, dtype=object)
    if centre is None:
        b = shapely.total_bounds(arr)
        centre = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    t = local_projection(*centre)
    return shapely.transform(arr, lambda x, y: t.transform(x, y), interleaved=False)


def repair(layer) -> None:
    """Invalid polygons made valid where the area hardly changes (reported); otherwise refused."""
    for i, g in enumerate(layer.geometries):
        if g.geom_type not in ("Polygon", "MultiPolygon") or shapely.is_valid(g):
            continue
        reason = shapely.is_valid_reason(g)
        fixed = shapely.make_valid(g, method="structure", keep_collapsed=False)
        polys = shapely.get_parts(fixed)
        polys = [p for p in polys if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else None
        before, after = (to_metres([g])[0].area if g.is_valid else _ring_area_m2(g)), \
            (to_metres([fixed])[0].area if fixed is not None else 0.0)
        label = layer.feature_label(i)
        if fixed is None or after <= 0 or abs(after - before) > SAFE_AREA_CHANGE * max(before, 1.0):
            layer.issues.append(error(layer.name, f"invalid polygon ({reason}) that cannot be repaired safely "
                                      f"(area {before:,.0f} m² → {after:,.0f} m²)",
                                      "fix the polygon in the GIS and export it again", feature=label))
            continue
        layer.geometries[i] = fixed
        layer.issues.append(warning(layer.name, f"invalid polygon ({reason}) repaired (area {after:,.0f} m²)",
                                    "fix it in the GIS too, so the next export is clean", feature=label))


def _ring_area_m2(g) -> float:
    """Area enclosed by the exterior rings, whatever their validity (shoelace, absolute value)."""
    total = 0.0
    for poly in shapely.get_parts(g):
        ext = to_metres([shapely.Polygon(poly.exterior.coords)])[0]
        total += abs(ext.area)
    return total


def overlaps_and_gaps(codes: list[str], geometries: list, file: str) -> list[GeoIssue]:
    """Overlaps between polygons (area in m²) and slivers (small holes in their union between them)."""
    issues: list[GeoIssue] = []
    if len(geometries) < 2:
        return issues
    metric = to_metres(geometries)
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist()):
        if a >= b:
            continue
        area = shapely.intersection(metric[a], metric[b]).area
        if area > 1.0:
            issues.append(warning(file, f"{codes[a]} and {codes[b]} overlap by {area:,.0f} m²",
                                  "make the shared border one line in the GIS (snap, or clean the topology)",
                                  feature=f"{codes[a]}/{codes[b]}"))
    union = shapely.union_all(metric)
    for poly in shapely.get_parts(union):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            if hole.area <= SLIVER_MAX_M2:
                around = [codes[j] for j in tree.query(hole.buffer(1.0), predicate="intersects").tolist()]
                issues.append(warning(file, f"a gap of {hole.area:,.0f} m² between {', '.join(sorted(around))}",
                                      "close the gap in the GIS (snap the borders)", feature="/".join(sorted(around))))
    return issues


def simplified(geometries: list, tolerance_deg: float) -> list:
    """Copies for drawing: shared borders stay shared (coverage simplification) when the polygons form
    a coverage; else each simplified on its own. Lookups keep the exact geometry."""
    arr = np.array(geometries, dtype=object)
    if not len(arr) or tolerance_deg <= 0:
        return list(arr)
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in arr)
    if polygonal:
        try:
            if shapely.coverage_is_valid(arr):
                return list(shapely.coverage_simplify(arr, tolerance_deg, simplify_boundary=True))
        except Exception:   # GEOS without coverage support: fall through
            pass
    return list(shapely.simplify(arr, tolerance_deg, preserve_topology=True))


def wall_tolerance(bounds: tuple[float, float, float, float], pixels: int = 1920) -> float:
    """Half a pixel of the wall's map with the city filling `pixels` across, in degrees."""
    return max(bounds[2] - bounds[0], bounds[3] - bounds[1]) / pixels / 2
