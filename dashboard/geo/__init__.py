"""The city's geography as its GIS department delivers it.

Reading layers (GeoJSON, Shapefile plain or zipped, GeoPackage, CSV) in any coordinate system PROJ
knows, plus GCJ-02 and BD-09 by declaration, into WGS-84 GeoJSON features (RFC 7946); quality checks
(repairs, overlaps, gaps, layers off their place); simplified copies for drawing; base-map tile
archives (MBTiles, PMTiles). The spatial indexes live in the domain (dashboard.domain.geo).

    from dashboard.geo import read_layer
    layer = read_layer("districts.shp", crs="EPSG:4549")
    layer.features, layer.issues
"""
from __future__ import annotations

from .issues import GeoIssue
from .layers import Layer
from .read import GeoReadError, read_layer

__all__ = ["GeoIssue", "GeoReadError", "Layer", "read_layer"]
