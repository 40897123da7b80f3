"""Checks across layers, each a warning with the fix: a layer far from the city's centre, a layer a
consistent few hundred metres off the reference layer that GCJ-02 → WGS-84 puts right (GCJ-02
declared as WGS-84), roads and stations that no district covers."""
from __future__ import annotations

import numpy as np
import shapely

from dashboard.domain.geo import haversine_m

from . import chinese_crs
from .issues import GeoIssue, warning
from .quality import to_metres

FAR_KM = 80.0                 # a layer whose middle is farther than this from the city's centre
OFFSET_MIN_M = 50.0           # below this, a misfit is drawing noise, not a datum
SAMPLE = 4000


def far_from_centre(layer, centre: tuple[float, float], far_km: float = FAR_KM) -> list[GeoIssue]:
    if not len(layer):
        return []
    b = layer.bounds
    middle = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    km = haversine_m(middle, centre) / 1000
    if km <= far_km:
        return []
    return [warning(layer.name, f"the layer lies {km:,.0f} km from the city's centre ({centre[0]:.4f}, {centre[1]:.4f}); "
                                f"its middle is at ({middle[0]:.4f}, {middle[1]:.4f})",
                    "check its coordinate system (declare crs for the layer) or the city's centre in city.toml")]


def _gcj_corrected(geometries: list) -> list:
    return list(shapely.transform(np.array(geometries, dtype=object),
                                  lambda x, y: chinese_crs.gcj02_to_wgs84(x, y), interleaved=False))


def misfit_m(geometries: list, reference: list) -> float:
    """How far a layer sits off a reference layer, in metres. Polygons against polygons: the median
    distance from the layer's outline to the reference's borders (a grid's outline runs along district
    borders); otherwise the median distance from the layer's vertices to the nearest reference geometry."""
    if not geometries or not reference:
        return 0.0
    both = to_metres(list(geometries) + list(reference))
    mine, ref = both[:len(geometries)], both[len(geometries):]
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in np.concatenate([mine, ref]))
    if polygonal:
        # the layer's outline against the reference's borders: a shifted layer is off by the shift
        outline = shapely.segmentize(shapely.union_all(mine).boundary, 50.0)
        borders = shapely.union_all(shapely.boundary(ref))
        shapely.prepare(borders)
        pts = shapely.get_coordinates(outline)
        if len(pts) > SAMPLE:
            pts = pts[np.linspace(0, len(pts) - 1, SAMPLE).astype(int)]
        return float(np.median(shapely.distance(shapely.points(pts), borders))) if len(pts) else 0.0
    pts = shapely.get_coordinates(mine)
    if len(pts) > SAMPLE:
        pts = pts[np.linspace(0, len(pts) - 1, SAMPLE).astype(int)]
    tree = shapely.STRtree(ref)
    points = shapely.points(pts)
    _, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    return float(np.median(dist)) if len(dist) else 0.0


def gcj_offset(layer, reference) -> list[GeoIssue]:
    """Warn when the layer is off the reference and GCJ-02 → WGS-84 brings it in line."""
    if not len(layer) or not len(reference) or layer.source_crs in ("gcj02", "bd09") or "+ gcj02" in layer.source_crs:
        return []
    before = misfit_m(layer.geometries, reference.geometries)
    if before < OFFSET_MIN_M:
        return []
    after = misfit_m(_gcj_corrected(layer.geometries), reference.geometries)
    if after > before / 3:
        return []
    return [warning(layer.name, f"sits about {before:,.0f} m off {reference.name}; read as GCJ-02 it lines up "
                                f"(about {after:,.0f} m): it was probably traced from a web map in GCJ-02 and "
                                f"declared as {layer.source_crs}",
                    'declare crs = "gcj02" for this layer (or "bd09" if it comes from Baidu)')]


def coverage(districts, others: list[tuple[str, list[tuple[str, object]]]], file: str = "districts") -> list[GeoIssue]:
    """Roads and stations (kind, [(id, geometry)]) that no district covers, with the nearest one."""
    issues: list[GeoIssue] = []
    if not len(districts):
        return issues
    codes = [p.get("code") or str(i + 1) for i, p in enumerate(districts.properties)]
    metric = to_metres(list(districts.geometries) + [g for _, items in others for _, g in items])
    dist_m = metric[:len(codes)]
    union = shapely.union_all(dist_m)
    shapely.prepare(union)
    tree = shapely.STRtree(dist_m)
    k = len(codes)
    for kind, items in others:
        for ident, _ in items:
            g = metric[k]
            k += 1
            if union.covers(g):
                continue
            j, d = tree.query_nearest(g, return_distance=True, all_matches=False)
            outside = shapely.difference(g, union)
            how = (f"{outside.length:,.0f} m of it outside" if g.geom_type != "Point" else "outside")
            issues.append(warning(file, f"{kind} {ident} is not covered by any district ({how}; nearest "
                                        f"{codes[int(j[0])]}, {float(d[0]):,.0f} m away)",
                                  f"extend the district or correct the {kind}'s coordinates", feature=str(ident)))
    return issues
