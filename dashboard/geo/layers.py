"""A layer read into WGS-84: shapely geometries with their attributes, and what was found on the way."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import shapely

from .issues import GeoIssue

DECIMALS = 7   # about 1 cm: RFC 7946 advises not to write more precision than the data has


@dataclass
class Layer:
    name: str                          # file name (and layer, for a GeoPackage)
    geometries: list                   # shapely geometries, WGS-84 lon/lat
    properties: list[dict]
    source_crs: str                    # what the coordinates were read as ("EPSG:4549", "gcj02" …)
    issues: list[GeoIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[GeoIssue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[GeoIssue]:
        return [i for i in self.issues if i.level == "warning"]

    def __len__(self) -> int:
        return len(self.geometries)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        b = shapely.total_bounds(np.array(self.geometries, dtype=object))
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])

    @property
    def features(self) -> list[dict]:
        """RFC 7946 features: WGS-84, exterior rings counter-clockwise, 7 decimals."""
        return [{"type": "Feature", "properties": props, "geometry": g}
                for g, props in zip(to_geojson_many(self.geometries), self.properties)]

    def feature_collection(self) -> dict:
        return {"type": "FeatureCollection", "features": self.features}

    def feature_label(self, i: int, key: str | None = None) -> str:
        props = self.properties[i] if i < len(self.properties) else {}
        for k in ([key] if key else []) + ["code", "CODE", "id", "ID", "name", "NAME"]:
            if k and props.get(k) not in (None, ""):
                return f"#{i + 1} {k}={props[k]}"
        return f"#{i + 1}"


def to_geojson(geometry) -> dict | None:
    if geometry is None or shapely.is_empty(geometry):
        return None
    g = geometry
    if g.geom_type in ("Polygon", "MultiPolygon"):
        g = shapely.orient_polygons(g, exterior_cw=False)
    return shapely.geometry.mapping(shapely.transform(g, lambda c: np.round(c, DECIMALS)))


def to_geojson_many(geometries) -> list[dict | None]:
    """to_geojson over a whole layer at once (vectorised: orientation, rounding, serialisation in GEOS)."""
    if not len(geometries):
        return []
    arr = shapely.orient_polygons(np.array(geometries, dtype=object), exterior_cw=False)
    arr = shapely.transform(arr, lambda c: np.round(c, DECIMALS))
    return [json.loads(text) if text is not None else None for text in shapely.to_geojson(arr)]


def from_geojson(geometry: dict):
    return shapely.geometry.shape(geometry)
