"""Tables of geography (issue 15). Part of the head schema: `schema` imports this module.

- grid_cells: the unit grid (单元网格), an optional layer of the city package; codes are strings of
  any length (14–15 digits in practice).
- area_codes: other codes a district answers to (SAME/FIPS, an old division code …), for CAP
  <geocode> and EIDO locations given as codes. A district's own code (the administrative division
  code) needs no row.
- basemaps: tile archives added with `cityops basemap add`, so every web worker and host agrees on
  which one is in force; the file itself lives in the data directory (basemaps/).
- geo_meta: the version of the geography (bumped by each import of the grid or the area codes), so
  every process knows when to rebuild its indexes.
"""
from __future__ import annotations

import sqlalchemy as sa

from .schema import JSON, TS, metadata

grid_cells = sa.Table(
    "grid_cells", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("district", sa.String(32)),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("geometry", JSON, nullable=False),
)

area_codes = sa.Table(
    "area_codes", metadata,
    sa.Column("scheme", sa.String(64), primary_key=True),     # CAP valueName, e.g. "SAME", "行政区划代码"
    sa.Column("value", sa.String(64), primary_key=True),
    sa.Column("district", sa.String(32), primary_key=True),
)

basemaps = sa.Table(
    "basemaps", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.String(255), nullable=False),   # in <data dir>/basemaps/
    sa.Column("archive", sa.String(16), nullable=False),      # mbtiles | pmtiles
    sa.Column("tile_format", sa.String(8), nullable=False),   # png | jpg | webp
    sa.Column("min_zoom", sa.Integer, nullable=False),
    sa.Column("max_zoom", sa.Integer, nullable=False),
    sa.Column("bounds", JSON, nullable=False),                # [west, south, east, north]
    sa.Column("attribution", sa.Text, nullable=False, default=""),
    sa.Column("checksum", sa.String(64), nullable=False),     # sha256 of the file
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=False),
    sa.Column("added_at", TS, nullable=False),
    sa.Column("added_by", sa.String(100), nullable=False, default=""),
)

geo_meta = sa.Table(
    "geo_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", JSON, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)
