"""/tiles/<name>/<z>/<x>/<y>.<ext>: the base map's tiles from the archive added with `cityops basemap
add`, served by CityOps itself (registered before Dash's catch-all, so a missing tile is a real 404).
Signed-in users and wall kiosks only, like the pages that show them. Cached by browsers for a day;
the URL carries the archive's version, so a new archive is new URLs."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import flask

from dashboard.services.basemap import TileSource

log = logging.getLogger(__name__)
KEY = "cityops.tiles"
EXT = re.compile(r"^(png|jpg|jpeg|webp)$")


def register(server: flask.Flask, services) -> None:
    server.config[KEY] = TileSource(services.store, Path(services.settings.data_dir))

    @server.route("/tiles/<name>/<int:z>/<int:x>/<int:y>.<ext>")
    def tile(name: str, z: int, x: int, y: int, ext: str):
        flask.g.pop("page_status", None)    # not a page: the security layer's page-not-found does not apply
        if not EXT.match(ext) or z > 30:
            return _missing()
        found = server.config[KEY].tile(name, z, x, y)
        if found is None:
            return _missing()
        data, mime, etag = found
        if etag in (flask.request.headers.get("If-None-Match") or ""):
            response = flask.Response(status=304)
        else:
            response = flask.Response(data, mimetype=mime)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "private, max-age=86400"
        return response


def _missing():
    response = flask.Response("no such tile", status=404, mimetype="text/plain")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
