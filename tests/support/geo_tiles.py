"""Tiny raster tile archives for tests: MBTiles written with sqlite3, PMTiles converted from it with
the pmtiles package. Each tile is a PNG in a colour no drawn base map uses, with a grid line and a
darker square in a corner, so a screenshot shows at once whether the archive is on screen."""
from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

from PIL import Image, ImageDraw

TILE_RGB = (214, 92, 186)        # magenta: nothing else on the maps is this colour


def png(z: int, x: int, y: int, rgb=TILE_RGB) -> bytes:
    img = Image.new("RGB", (256, 256), rgb)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 255, 255], outline=(255, 255, 255), width=2)
    d.rectangle([8, 8, 40, 40], fill=(90, 30, 80))
    d.text((50, 12), f"{z}/{x}/{y}", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def tile_range(west: float, south: float, east: float, north: float, z: int) -> tuple[range, range]:
    def tx(lon):
        return int((lon + 180) / 360 * (1 << z))

    def ty(lat):
        r = math.radians(lat)
        return int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * (1 << z))
    return range(tx(west), tx(east) + 1), range(ty(north), ty(south) + 1)


def make_mbtiles(path: Path, bounds=(118.6, 31.9, 119.0, 32.2), zooms=range(8, 12), rgb=TILE_RGB) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
    meta = {"name": "test", "format": "png", "minzoom": str(min(zooms)), "maxzoom": str(max(zooms)),
            "bounds": ",".join(str(v) for v in bounds), "attribution": "test tiles", "type": "baselayer"}
    db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
    for z in zooms:
        xs, ys = tile_range(*bounds, z)
        for x in xs:
            for y in ys:
                db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, png(z, x, y, rgb)))
    db.commit()
    db.close()
    return path


def make_pmtiles(path: Path, **kw) -> Path:
    from pmtiles.convert import mbtiles_to_pmtiles
    source = path.with_suffix(".src.mbtiles")
    make_mbtiles(source, **kw)
    mbtiles_to_pmtiles(str(source), str(path), None)
    source.unlink()
    return path
