"""/fonts/cityops-cjk.ttf: a Chinese font served by CityOps itself, so that the Chinese screens read the
same on a wall PC or kiosk that has no CJK font installed (nothing is fetched from the internet).

The stylesheets name the usual system CJK fonts first and this one last, with a CJK-only
unicode-range: a browser that has a CJK font never downloads it. The font is WenQuanYi Micro Hei, the
one the review PDFs embed (package paperang-p2-fonts-cjk); it ships as a TrueType collection, which
browsers refuse, so its first face is written out once as a plain TrueType file into the data
directory's cache and served from there (cached by browsers for a week, then revalidated by its ETag)."""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from importlib import metadata, resources
from pathlib import Path

import flask

log = logging.getLogger(__name__)
ROUTE = "/fonts/cityops-cjk.ttf"
_lock = threading.Lock()   # one conversion per process; the file itself is shared through the data directory


def _collection() -> Path:
    return Path(str(resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))


def font_file(data_dir: str | Path) -> Path:
    """The web font's file, written on first use: the collection's first face, without the FFTM table
    (a FontForge timestamp that the browsers' font sanitizer rejects as misaligned)."""
    version = metadata.version("paperang-p2-fonts-cjk")
    target = Path(data_dir) / "cache" / "fonts" / f"cityops-cjk-{version}.ttf"
    if target.exists():
        return target
    with _lock:
        if target.exists():
            return target
        from fontTools.ttLib import TTCollection
        face = TTCollection(str(_collection())).fonts[0]
        if "FFTM" in face:
            del face["FFTM"]
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        face.save(str(partial))
        os.replace(partial, target)   # another process may have written the same bytes meanwhile: fine
        log.info("web font written: %s (%d bytes)", target.name, target.stat().st_size)
    return target


def register(server: flask.Flask, services) -> None:
    data_dir = services.settings.data_dir

    @server.route(ROUTE)
    def cjk_font():
        flask.g.pop("page_status", None)   # not a page
        try:
            path = font_file(data_dir)
        except Exception as exc:   # noqa: BLE001 - no web font: the browser falls back to what it has
            log.warning("web font not available: %s", exc)
            return flask.Response("no web font", status=404, mimetype="text/plain")
        etag = hashlib.sha256(path.name.encode()).hexdigest()[:16]
        response = flask.send_file(path, mimetype="font/ttf", etag=etag, conditional=True, max_age=365 * 86400)
        response.headers["Cache-Control"] = "public, max-age=604800"   # a week; then the ETag answers 304
        return response
