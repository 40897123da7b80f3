"""A tile archive added with `cityops basemap add` is what the operations map and the wall show after
a fresh start, with nothing asked of any host but CityOps itself (headless Chromium, 1920×1080;
screenshots saved in tests/browser/screenshots/basemap-*.png)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from dashboard.cli import main
from tests.browser.conftest import SCREENSHOTS
from tests.browser.wall_world import kiosk_link, start_city, stop_city
from tests.support.geo_tiles import TILE_RGB, make_mbtiles, make_pmtiles

pytestmark = pytest.mark.browser

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
DEMO_BOUNDS = (118.55, 31.85, 119.05, 32.25)      # the demo city (seed 7) with a margin


@pytest.fixture(scope="module", params=["mbtiles", "pmtiles"])
def tiled_city(request, tmp_path_factory):
    data = tmp_path_factory.mktemp(f"basemap-{request.param}")
    src = data.parent / f"lanhai-{request.param}.{request.param}"
    (make_mbtiles if request.param == "mbtiles" else make_pmtiles)(src, bounds=DEMO_BOUNDS, zooms=range(9, 13))
    assert main(["basemap", "add", str(src), "--name", "lanhai", "--data-dir", str(data)]) == 0
    src.unlink()                                   # served from the data directory's copy
    runtime = start_city(str(data), demo_speed=5.0, demo_workforce=False, demo_history_days=0)
    runtime.archive_kind = request.param
    yield runtime
    stop_city(runtime)


def sign_in(page, runtime, username: str = "dispatcher") -> None:
    logins = runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang=zh-CN")
    page.fill("#login-username", username)
    page.fill("#login-password", logins[username])
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto(runtime.url)                      # the operations page
    page.wait_for_selector("#ops-map .leaflet-overlay-pane path", timeout=20_000)


def _watch(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("websocket", lambda ws: seen.append(ws.url))
    return seen


TILES_LOADED = """(map) => {
    const root = document.querySelector(map);
    if (!root || root.classList.contains('leaflet-zoom-anim')) return false;       // not while flying
    const imgs = [...root.querySelectorAll('img.leaflet-tile')];
    const ours = imgs.filter(i => i.src.includes('/tiles/lanhai/'));
    const shown = ours.filter(i => i.complete && i.naturalWidth === 256 && i.classList.contains('leaflet-tile-loaded')
                                   && getComputedStyle(i).opacity === '1');                   // faded in
    const ready = ours.length === imgs.length && shown.length >= 6
        && ours.every(i => i.complete && (i.naturalWidth === 0 || getComputedStyle(i).opacity === '1'))
        && root.querySelectorAll('path').length > 0;                              // the districts over them
    if (!ready) return false;
    const r = root.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height};                     // where the map is
}"""


def _magenta_share(png: bytes, box: dict) -> float:
    """The share of the map (`box` on the screenshot) in the archive's colour (its tiles, under the
    districts' light veil)."""
    import numpy as np
    img = Image.open(io.BytesIO(png)).convert("RGB")
    img = img.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    px = np.asarray(img.resize((160, 90)), dtype=int)
    return float((np.abs(px - np.array(TILE_RGB)).max(axis=2) < 60).mean())


def test_operations_map_and_wall_show_the_archive(tiled_city, new_page):
    kind = tiled_city.archive_kind
    page = new_page(1920, 1080)
    seen = _watch(page)
    sign_in(page, tiled_city)
    box = page.wait_for_function(TILES_LOADED, arg="#ops-map", timeout=60_000).json_value()
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = page.screenshot(path=str(SCREENSHOTS / f"basemap-operations-{kind}.png"), timeout=90_000)
    share = _magenta_share(shot, box)
    assert share > 0.25, f"the archive's tiles are not what the operations map shows ({share:.0%} of the map)"

    wall = new_page(1920, 1080)
    seen_wall = _watch(wall)
    url, _ = kiosk_link(tiled_city, "basemap-hall")
    wall.goto(url)
    wall.wait_for_selector("#wall-page", timeout=20_000)
    box = wall.wait_for_function(TILES_LOADED, arg="#wall-map", timeout=60_000).json_value()
    shot = wall.screenshot(path=str(SCREENSHOTS / f"basemap-wall-{kind}.png"), timeout=90_000)
    share = _magenta_share(shot, box)
    assert share > 0.25, f"the archive's tiles are not what the wall shows ({share:.0%} of the map)"

    outside = [u for u in seen + seen_wall if not u.startswith(LOCAL)]
    assert not outside, outside                           # nothing from any other host
    tiles = [u for u in seen + seen_wall if "/tiles/" in u]
    assert tiles and all("/tiles/lanhai/" in u for u in tiles)
    errors = [e for e in page.console_errors + wall.console_errors if "404" not in e]
    assert not errors, errors
