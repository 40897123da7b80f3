"""Raster tile archives on disk: MBTiles (SQLite) and PMTiles (v3), read tile by tile.

`open_archive(path)` → an archive with `.info` (kind, tile format, zooms, bounds, attribution) and
`.tile(z, x, y)` → bytes or None. Both are safe to use from several threads of one process; each
process (web worker) opens its own.
"""
from __future__ import annotations

import gzip
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType, deserialize_directory, find_tile, zxy_to_tileid

RASTER = ("png", "jpg", "webp")
MIME = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
WORLD = [-180.0, -85.0511, 180.0, 85.0511]


class ArchiveError(ValueError):
    pass


@dataclass(frozen=True)
class ArchiveInfo:
    kind: str                  # mbtiles | pmtiles
    tile_format: str           # png | jpg | webp
    min_zoom: int
    max_zoom: int
    bounds: list[float]        # west, south, east, north
    attribution: str = ""
    name: str = ""


def kind_of(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        return "mbtiles"
    if head.startswith(b"PMTiles"):
        return "pmtiles"
    raise ArchiveError(f"{path.name} is neither an MBTiles (SQLite) nor a PMTiles archive")


def open_archive(path: str | Path):
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path.name}: no such file")
    return MBTiles(path) if kind_of(path) == "mbtiles" else PMTiles(path)


def _format(value: str, where: str) -> str:
    fmt = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "webp": "webp"}.get((value or "").lower())
    if fmt is None:
        raise ArchiveError(f"{where}: tiles are {value or 'of no stated format'}; CityOps serves raster tiles "
                           f"(png, jpg, webp): make a raster archive")
    return fmt


class MBTiles:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            meta = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{path.name} is not an MBTiles archive ({exc})") from None
        if zooms[0] is None:
            raise ArchiveError(f"{path.name} holds no tiles")
        try:
            bounds = [float(v) for v in meta.get("bounds", "").split(",")] if meta.get("bounds") else WORLD
        except ValueError:
            bounds = WORLD
        self.info = ArchiveInfo("mbtiles", _format(meta.get("format", "png"), path.name),
                                int(meta.get("minzoom", zooms[0])), int(meta.get("maxzoom", zooms[1])),
                                bounds, meta.get("attribution", ""), meta.get("name", ""))

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        row = (1 << z) - 1 - y     # MBTiles rows count from the south (TMS)
        with self._lock:
            hit = self._db.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                                   (z, x, row)).fetchone()
        return bytes(hit[0]) if hit else None

    def close(self) -> None:
        self._db.close()


class PMTiles:
    TYPES = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "rb")
        try:
            self._reader = Reader(MmapSource(self._file))
            header = self._reader.header()
            meta = self._reader.metadata()
        except Exception as exc:   # a damaged or older archive
            self._file.close()
            raise ArchiveError(f"{path.name} is not a PMTiles v3 archive ({exc})") from None
        kind = self.TYPES.get(header["tile_type"])
        if kind is None:
            self._file.close()
            raise ArchiveError(f"{path.name}: tiles are {getattr(header['tile_type'], 'name', header['tile_type'])}; "
                               "CityOps serves raster tiles (png, jpg, webp): make a raster archive")
        self._gzip = header["tile_compression"] == Compression.GZIP
        self._header = header
        self._get_bytes = self._reader.get_bytes
        self._root = deserialize_directory(self._get_bytes(header["root_offset"], header["root_length"]))
        self._leaves: dict = {}          # leaf directories read so far (bounded below)
        self._lock = threading.Lock()
        bounds = [header["min_lon_e7"] / 1e7, header["min_lat_e7"] / 1e7, header["max_lon_e7"] / 1e7,
                  header["max_lat_e7"] / 1e7]
        self.info = ArchiveInfo("pmtiles", kind, int(header["min_zoom"]), int(header["max_zoom"]), bounds,
                                str(meta.get("attribution", "")) if isinstance(meta, dict) else "",
                                str(meta.get("name", "")) if isinstance(meta, dict) else "")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        if z < self.info.min_zoom or z > self.info.max_zoom or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        data = self._find(zxy_to_tileid(z, x, y))
        if data is None:
            return None
        return gzip.decompress(data) if self._gzip else bytes(data)

    def _find(self, tile_id: int) -> bytes | None:
        """The header and the root directory are read once; leaf directories once each (the reader
        of the pmtiles package reads and decodes them again for every tile)."""
        h, entries = self._header, self._root
        for _ in range(4):                                   # the format's maximum depth
            entry = find_tile(entries, tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return self._get_bytes(h["tile_data_offset"] + entry.offset, entry.length)
            key = (h["leaf_directory_offset"] + entry.offset, entry.length)
            with self._lock:
                entries = self._leaves.get(key)
                if entries is None:
                    if len(self._leaves) > 256:
                        self._leaves.clear()
                    entries = self._leaves[key] = deserialize_directory(self._get_bytes(*key))
        return None

    def close(self) -> None:
        self._file.close()
