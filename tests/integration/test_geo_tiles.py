"""Base-map tile archives: `cityops basemap add` copies and records them, CityOps serves their tiles
(ETag, Cache-Control, 404 for a missing tile, a real 404 not Dash's page), the maps point at them."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from dashboard.cli import main
from dashboard.domain.identity import Identity
from dashboard.geo.tiles import ArchiveError, open_archive
from dashboard.services import basemap
from dashboard.services.auth import AuthService
from dashboard.store import geo as geo_store
from dashboard.web.server import build_server
from tests.support.geo_tiles import TILE_RGB, make_mbtiles, make_pmtiles, tile_range

ADMIN = Identity("root", "admin", via="cli")


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_archive_reads_tiles_xyz(tmp_path, kind):
    path = (make_mbtiles if kind == "mbtiles" else make_pmtiles)(tmp_path / f"city.{kind}")
    archive = open_archive(path)
    assert archive.info.kind == kind and archive.info.tile_format == "png"
    assert (archive.info.min_zoom, archive.info.max_zoom) == (8, 11)
    xs, ys = tile_range(118.6, 31.9, 119.0, 32.2, 10)
    img = Image.open(io.BytesIO(archive.tile(10, xs[0], ys[0])))
    assert img.size == (256, 256) and img.getpixel((128, 128))[:3] == TILE_RGB
    assert archive.tile(10, xs[0] + 50, ys[0]) is None and archive.tile(3, 0, 0) is None
    archive.close()


def test_not_an_archive_and_vector_tiles_are_refused(tmp_path):
    (tmp_path / "x.mbtiles").write_bytes(b"hello")
    with pytest.raises(ArchiveError, match="neither an MBTiles"):
        open_archive(tmp_path / "x.mbtiles")
    import sqlite3
    path = make_mbtiles(tmp_path / "v.mbtiles", zooms=range(8, 9))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE metadata SET value='pbf' WHERE name='format'")
    with pytest.raises(ArchiveError, match="raster"):
        open_archive(path)


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_basemap_add_and_serve(services, tmp_path, kind, capsys):
    src = (make_mbtiles if kind == "mbtiles" else make_pmtiles)(tmp_path / f"src.{kind}")
    url = services.store.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("the command line opens the store by URL; the PostgreSQL case runs through the service")
    assert basemap.tile_url(services) == ""
    code = main(["basemap", "add", str(src), "--name", "lanhai", "--data-dir", str(tmp_path),
                 "--config", str(_toml(tmp_path, url.render_as_string(hide_password=False)))])
    out = capsys.readouterr().out
    assert code == 0 and "base map lanhai added" in out and "in force" in out, out
    assert (tmp_path / "basemaps" / f"lanhai.{kind}").is_file()
    _serves(services, tmp_path)


def test_basemap_service_on_both_stores(services, tmp_path):
    src = make_pmtiles(tmp_path / "src.pmtiles")
    row = basemap.add_archive(services.store, tmp_path, src, "lanhai", actor="test")
    assert row["active"] and row["archive"] == "pmtiles"
    _serves(services, tmp_path)
    with services.store.begin() as conn:
        assert geo_store.activate_basemap(conn, None)
    services.__dict__.pop("_basemap_url", None)
    assert basemap.tile_url(services) == services.settings.tile_url == ""


def _toml(tmp_path, url):
    path = tmp_path / "cityops.toml"
    path.write_text(f'[cityops]\ndatabase_url = "{url}"\ndemo = false\n')
    return path


def _serves(services, data_dir):
    from dataclasses import replace
    services.settings = replace(services.settings, data_dir=str(data_dir))
    services.__dict__.pop("_basemap_url", None)     # the page-side cache: a fresh start
    template = basemap.tile_url(services)
    assert template.startswith("/tiles/lanhai/{z}/{x}/{y}.png?v=")
    AuthService(services).add_user(ADMIN, "wang", "dispatcher", None, "correct horse battery")
    token = AuthService(services).create_token(ADMIN, "wang")
    server = build_server(services)
    server.testing = True
    client = server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    xs, ys = tile_range(118.6, 31.9, 119.0, 32.2, 9)
    path = template.split("?")[0].format(z=9, x=xs[0], y=ys[0])
    r = client.get(path, headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/png", r.get_data()[:200]
    assert "max-age" in r.headers["Cache-Control"] and r.headers["ETag"]
    assert Image.open(io.BytesIO(r.get_data())).getpixel((128, 128))[:3] == TILE_RGB
    again = client.get(path, headers=headers | {"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    for missing in ("/tiles/lanhai/9/0/0.png", "/tiles/lanhai/30/1/1.png", "/tiles/other/9/1/1.png",
                    "/tiles/lanhai/9/1/1.gif"):
        r = client.get(missing, headers=headers)
        assert r.status_code == 404 and b"<html" not in r.get_data().lower(), missing
    assert client.get(path).status_code in (302, 401)        # not signed in: no tiles
