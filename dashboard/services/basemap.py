"""The base map: a tile archive (MBTiles, PMTiles) added with `cityops basemap add` and served by
CityOps itself, or the city's own tile service (`tile_url`), or — with neither — the map drawn from
the city's districts.

The archive's file lives in <data dir>/basemaps/; the store records which archives there are and
which one is in force, so every web worker and host agrees (each host needs the file in its data
directory: copy it there, or add it on each host).
"""
from __future__ import annotations

import hashlib
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.geo.tiles import MIME, ArchiveError, open_archive
from dashboard.store import geo as geo_store, utcnow

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TILE_PATH = "/tiles/{name}/{{z}}/{{x}}/{{y}}.{ext}?v={version}&z={max_zoom}"   # z: deepest level (maps enlarge past it)


def basemap_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "basemaps"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_archive(store, data_dir: str | Path, file: str | Path, name: str | None = None, actor: str = "",
                activate: bool = True) -> dict:
    """Check the archive, copy it into the data directory, record it (in force unless activate=False)."""
    src = Path(file)
    archive = open_archive(src)          # ArchiveError says what is wrong with it
    info = archive.info
    archive.close()
    name = (name or re.sub(r"[^a-z0-9_-]+", "-", src.stem.lower()).strip("-") or "basemap")[:64]
    if not NAME.match(name):
        raise ArchiveError(f"name {name!r}: use lower-case letters, digits, - and _")
    target_dir = basemap_dir(data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{name}.{info.kind}"
    checksum = _sha256(src)
    if not (target.exists() and target.resolve() == src.resolve()):
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(src, tmp)
        tmp.replace(target)               # a worker never opens a half-copied file
    row = {"name": name, "file_name": target.name, "archive": info.kind, "tile_format": info.tile_format,
           "min_zoom": info.min_zoom, "max_zoom": info.max_zoom, "bounds": list(info.bounds),
           "attribution": info.attribution, "checksum": checksum, "size_bytes": target.stat().st_size,
           "added_at": utcnow(), "added_by": actor}
    with store.begin() as conn:
        geo_store.put_basemap(conn, row, activate=activate)
    return row | {"active": activate}


CACHE_SECONDS = 5.0


def tile_url(services) -> str:
    """What the maps load tiles from: the archive in force, else the city's tile service, else ''.
    Asked at most every few seconds per process (pages call it when they are built)."""
    import time
    cache = services.__dict__.setdefault("_basemap_url", {})   # per Services object, not a module global
    now = time.monotonic()
    if cache and now - cache["at"] < CACHE_SECONDS:
        return cache["url"]
    with services.store.connect() as conn:
        row = geo_store.active_basemap(conn)
    if row is not None:
        url = TILE_PATH.format(name=row["name"], ext=row["tile_format"], version=row["checksum"][:12],
                              max_zoom=row["max_zoom"])
    else:
        url = services.settings.tile_url or ""
    cache.update(at=now, url=url)
    return url


def max_zoom(services) -> int | None:
    with services.store.connect() as conn:
        row = geo_store.active_basemap(conn)
    return row["max_zoom"] if row else None


@dataclass
class TileSource:
    """The archives one process has open, reopened when the store says the file changed. Held by the
    web server (one per app), never a module global."""
    store: object
    data_dir: Path
    ttl: float = 5.0
    _open: dict = field(default_factory=dict)           # name → (checksum, archive)
    _rows: dict = field(default_factory=dict)           # name → (checked at, row or None)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def row(self, name: str) -> dict | None:
        import time
        now = time.monotonic()
        cached = self._rows.get(name)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        with self.store.connect() as conn:
            row = geo_store.basemap(conn, name)
        self._rows[name] = (now, row)
        return row

    def tile(self, name: str, z: int, x: int, y: int) -> tuple[bytes, str, str] | None:
        """(bytes, mime type, ETag) or None."""
        row = self.row(name)
        if row is None:
            return None
        with self._lock:
            held = self._open.get(name)
            if held is None or held[0] != row["checksum"]:
                if held is not None:
                    held[1].close()
                path = basemap_dir(self.data_dir) / row["file_name"]
                try:
                    held = (row["checksum"], open_archive(path))
                except ArchiveError:
                    self._open.pop(name, None)
                    return None   # the file is not on this host: 404, and the log says why
                self._open[name] = held
        data = held[1].tile(z, x, y)
        if data is None:
            return None
        return data, MIME[row["tile_format"]], f'"{row["checksum"][:16]}-{z}-{x}-{y}"'

    def close(self) -> None:
        with self._lock:
            for _, archive in self._open.values():
                archive.close()
            self._open.clear()
