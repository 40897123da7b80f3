"""The video wall in headless Chromium against a really started CityOps (demo city feeds, ingest,
push relay, web; the connectors started here, each stoppable on its own): it fills 1920×1080 and
3840×2160 without a scrollbar or anything off screen, shows every figure, opens from a kiosk link
without sign-in and refuses a revoked one, turns a stopped feed amber and a dead one red, rotates
its scenes in the browser, lets a severe event interrupt, survives losing the relay and the web
server, and reloads itself when the server runs another build."""
from __future__ import annotations

import re
import threading
import time
import pytest

from tests.browser.wall_world import ADMIN, close_incidents, free_port, kiosk_link, severe_alert, start_city, stop_city

pytestmark = pytest.mark.browser

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
FIGURES = ("open", "new_today", "overdue", "closed_today", "on_time", "avg_close", "ci", "aqi", "alerts")
STALE_AFTER = 4.0

# Every visible element outside the map (whose panes Leaflet lays out beyond its clipped box) must lie
# inside the viewport; the map's own box too.
OFF_SCREEN = """() => {
    const w = window.innerWidth, h = window.innerHeight, bad = [];
    for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.leaflet-container') && !el.classList.contains('leaflet-container')) continue;
        const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
        if (r.left < -1 || r.top < -1 || r.right > w + 1 || r.bottom > h + 1) {
            bad.push(`${el.tagName}.${el.className} ${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.right)},${Math.round(r.bottom)}`);
        }
    }
    return bad;
}"""


@pytest.fixture(scope="module")
def wall_city(tmp_path_factory):
    """CityOps with short stale and heartbeat times; the CAP connector points at a dead port; each
    connector runs with a stop of its own."""
    runtime = start_city(str(tmp_path_factory.mktemp("wall")), demo_speed=10.0, stale_after_seconds=STALE_AFTER,
                         wall_poll_seconds=3.0, wall_spotlight_seconds=4.0,
                         cap_url=f"http://127.0.0.1:{free_port()}/cap/alerts.atom")
    deadline = time.monotonic() + 20
    while close_incidents(runtime.services, 3, late=1) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)   # the first reports are on their way
    yield runtime
    stop_city(runtime)


def open_wall(page, url: str, seen: dict | None = None) -> None:
    if seen is not None:
        page.on("request", lambda r: seen["urls"].append(r.url))
        page.on("websocket", lambda ws: seen["urls"].append(ws.url))
    page.goto(url)
    page.wait_for_selector("#wall-page", timeout=20_000)
    page.wait_for_function("document.querySelector('.wtile-open .wtile-value').textContent.trim() !== '–'",
                           timeout=20_000)


def value(page, key: str) -> str:
    return page.inner_text(f".wtile-{key} .wtile-value").strip()


@pytest.mark.parametrize("width, height", [(1920, 1080), (3840, 2160)])
def test_the_wall_fills_the_screen_from_a_kiosk_link(wall_city, new_page, width, height):
    page = new_page(width, height)
    seen = {"urls": []}
    url, _ = kiosk_link(wall_city, f"fill-{width}")
    open_wall(page, url, seen)                                   # no sign-in
    page.wait_for_selector("#wall-live.is-live", timeout=15_000)
    page.wait_for_function("document.querySelector('.wtile-on_time .wtile-value').textContent.trim() !== '–'",
                           timeout=15_000)
    page.wait_for_timeout(1500)                                  # the first flight of the map
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.evaluate(OFF_SCREEN) == []
    for key in ("open", "new_today", "overdue", "closed_today", "alerts"):
        assert re.fullmatch(r"\d+", value(page, key)), key
    assert re.fullmatch(r"\d+(\.\d)?", value(page, "on_time")) and page.inner_text(".wtile-on_time .wtile-unit") == "%"
    assert re.fullmatch(r"\d+(\.\d)?", value(page, "avg_close"))
    assert re.fullmatch(r"\d+\.\d", value(page, "ci")) and re.fullmatch(r"\d+", value(page, "aqi"))
    assert page.locator(".wtile").count() == len(FIGURES)
    city = wall_city.services.city
    assert page.inner_text("#wall-city") == city.name_zh
    assert re.fullmatch(r"\d\d:\d\d:\d\d", page.inner_text("#wall-clock"))
    assert "年" in page.inner_text("#wall-date")
    assert page.locator(".app-header, .app-nav").count() == 0   # the kiosk gets no navigation
    assert page.locator(".aqi-marker").count() == len(city.stations)
    assert page.locator(".wfeed").count() >= 4
    assert page.locator("#wall-ticker .wevent").count() >= 1
    # text sizes follow the screen: the key figures are about 3 % of its height
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.wtile-value')).fontSize)") > height * 0.05
    assert page.console_errors == []
    assert [u for u in seen["urls"] if not u.startswith(LOCAL)] == []


def test_a_stopped_feed_turns_amber_and_a_dead_one_red(wall_city, new_page):
    page = new_page(1920, 1080)
    url, _ = kiosk_link(wall_city, "feeds")
    open_wall(page, url)
    names = {"gtfs_rt": "公交", "cap": "应急预警"}
    chip = ".wfeed:has(.wfeed-name:text-is('{}'))"
    page.wait_for_selector(chip.format(names["gtfs_rt"]) + ".wfeed-ok", timeout=15_000)
    page.wait_for_selector(chip.format(names["cap"]) + ".wfeed-down", timeout=30_000)       # never reached
    wall_city.connector_stops["gtfs_rt"].set()
    page.wait_for_selector(chip.format(names["gtfs_rt"]) + ".wfeed-stale", timeout=(STALE_AFTER + 10) * 1000)
    colours = page.evaluate("""() => [...document.querySelectorAll('.wfeed')].map(li =>
        [li.querySelector('.wfeed-name').textContent, getComputedStyle(li.querySelector('.wfeed-dot')).backgroundColor])""")
    by_name = dict(colours)
    assert by_name[names["gtfs_rt"]] == "rgb(242, 140, 40)"     # amber (layouts/palette.FEED["stale"])
    assert by_name[names["cap"]] == "rgb(229, 56, 59)"          # red (FEED["down"])
    assert "数据陈旧" in page.inner_text(chip.format(names["gtfs_rt"]))
    assert page.console_errors == []


def test_scenes_rotate_in_the_browser_and_a_severe_alert_interrupts(wall_city, new_page):
    page = new_page(1920, 1080)
    bodies = []
    page.on("request", lambda r: "_dash-update-component" in r.url and bodies.append(r.post_data or ""))
    url, _ = kiosk_link(wall_city, "scenes", dwell="3", scenes="overview,traffic,environment")
    open_wall(page, url)
    page.wait_for_selector("#wall-live.is-live", timeout=15_000)
    bodies.clear()
    scenes = set()
    deadline = time.monotonic() + 14
    while len(scenes) < 3 and time.monotonic() < deadline:
        scenes |= set(re.findall(r"scene-(\w+)", page.get_attribute("#wall-page", "class")))
        page.wait_for_timeout(250)
    assert scenes == {"overview", "traffic", "environment"}
    assert not [b for b in bodies if "wall-page" in b or "wall-map" in b]   # no server round trip per scene
    shown = page.evaluate("getComputedStyle(document.querySelector('.leaflet-wall-segments-pane')).display")
    assert shown in ("none", "block")
    page.evaluate("document.querySelector('.leaflet-wall-districts-pane').dataset.before = "
                  "JSON.stringify(document.querySelector('.leaflet-wall-districts-pane path').getBoundingClientRect())")
    severe_alert(wall_city, "测试：特大暴雨红色预警")
    page.wait_for_selector("#wall-page.is-spot.spot-alert", timeout=3_000)
    assert "特大暴雨红色预警" in page.inner_text("#wall-spot-card")
    assert page.inner_text("#wall-scene-name") == "重大预警"
    page.wait_for_timeout(2500)                                 # the flight to it
    moved = page.evaluate("""() => document.querySelector('.leaflet-wall-districts-pane').dataset.before !==
        JSON.stringify(document.querySelector('.leaflet-wall-districts-pane path').getBoundingClientRect())""")
    assert moved
    assert page.locator(".leaflet-wall-spot-pane path").count() == 1
    page.wait_for_function("!document.getElementById('wall-page').classList.contains('is-spot')", timeout=10_000)
    assert page.locator(".leaflet-wall-spot-pane path").count() == 0
    assert page.console_errors == []


def test_a_revoked_kiosk_link_is_refused_and_takes_an_open_wall_to_sign_in(wall_city, new_page):
    from dashboard.services.auth import AuthService
    auth = AuthService(wall_city.services)
    url, _ = kiosk_link(wall_city, "revoked-first")
    auth.revoke_token(ADMIN, "revoked-first", kind="kiosk")
    page = new_page(1920, 1080)
    page.goto(url)
    assert "/login" in page.url and page.locator("#wall-page").count() == 0
    open_url, _ = kiosk_link(wall_city, "revoked-later")
    wall = new_page(1920, 1080)
    open_wall(wall, open_url)
    auth.revoke_token(ADMIN, "revoked-later", kind="kiosk")
    wall.wait_for_url(re.compile(r"/login"), timeout=15_000)     # at the next heartbeat
    assert wall.locator("#wall-page").count() == 0


def test_the_wall_rides_out_a_restart_of_the_relay_and_the_web_server(wall_city, new_page):
    from werkzeug.serving import make_server

    from dashboard.push import PushRelay
    page = new_page(1920, 1080)
    url, _ = kiosk_link(wall_city, "restart")
    open_wall(page, url)
    page.wait_for_selector("#wall-live.is-live", timeout=15_000)
    page.evaluate("window.__sameDocument = true")
    app = wall_city.web_server.app
    port = wall_city.relay.port
    wall_city.relay.stop()
    wall_city.web_server.shutdown()
    page.wait_for_selector("#wall-live.is-paused", timeout=10_000)      # said discreetly
    assert page.inner_text("#wall-live").startswith("实时更新已暂停")
    time.sleep(4)                                                        # the slow poll fails meanwhile
    wall_city.web_server = make_server(wall_city.settings.host, wall_city.settings.port, app, threaded=True)
    threading.Thread(target=wall_city.web_server.serve_forever, daemon=True).start()
    from dashboard.push.authorize import make_authorizer
    wall_city.relay = PushRelay(wall_city.services.bus, wall_city.settings.host, port,
                                authorize=make_authorizer(wall_city.services)).start()
    page.wait_for_selector("#wall-live.is-live", timeout=40_000)
    assert page.evaluate("window.__sameDocument === true")               # recovered without a reload
    first = page.evaluate("window.dash_clientside.cityops._connection().lastId")
    page.wait_for_function(f"window.dash_clientside.cityops._connection().lastId !== {first!r}", timeout=15_000)


def test_the_wall_reloads_itself_when_the_server_runs_another_build(wall_city, new_page):
    from dashboard.web.wall import BUILD_KEY
    page = new_page(1920, 1080)
    url, _ = kiosk_link(wall_city, "build")
    open_wall(page, url)
    page.evaluate("window.__sameDocument = true")
    config = wall_city.web_server.app.config
    before = config[BUILD_KEY]
    config[BUILD_KEY] = before + "-next"
    try:
        page.wait_for_function("window.__sameDocument !== true", timeout=15_000)
        page.wait_for_function("document.querySelector('.wtile-open .wtile-value')?.textContent.trim() > ''",
                               timeout=20_000)   # the new page is up and drawing
    finally:
        config[BUILD_KEY] = before


# The overview at rest (no highlight, the map still for a moment, the frame drawn): every AQI badge shown
# against every cluster icon and every district name, by their boxes on screen; null while it moves.
AT_REST_OVERLAPS = """async () => {
    const still = () => JSON.stringify([
        document.querySelector('.wall-map .leaflet-map-pane').style.transform,
        document.querySelector('.wall-map path.district-shape, .wall-map .leaflet-wall-districts-pane path')?.getAttribute('d'),
        [...document.querySelectorAll('.wall-map .inc-cluster')].map(c => c.style.transform).join()]);
    const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const before = still();
    await new Promise(r => setTimeout(r, 700));
    await frame();
    const placed = !window.cityops.wallmap.settled || window.cityops.wallmap.settled();   // no redraw waits for its frame
    if (document.getElementById('wall-page').classList.contains('is-spot') || still() !== before || !placed) { return null; }
    const shown = sel => [...document.querySelectorAll(sel)].filter(e => getComputedStyle(e).visibility !== 'hidden')
        .map(e => [e.textContent.trim(), e.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const badges = shown('.wall-map .aqi-marker'), others = shown('.wall-map .inc-cluster, .wall-map .district-label');
    const map = document.getElementById('wall-map').getBoundingClientRect();
    return {badges: badges.length, clusters: document.querySelectorAll('.wall-map .inc-cluster').length,
            overlaps: badges.flatMap(([a, ra]) => others.filter(([, rb]) => overlap(ra, rb)).map(([b]) => `${a} × ${b}`)),
            outside: badges.filter(([, r]) => r.left < map.left || r.right > map.right || r.top < map.top || r.bottom > map.bottom).length,
            legendPx: parseFloat(getComputedStyle(document.querySelector('.wall-map-area .map-legend li')).fontSize)};
}"""


def test_on_the_overview_no_aqi_badge_covers_a_cluster_or_a_district_name(wall_city, new_page):
    """1920×1080: the badges keep clear of the clusters and the names (moved aside, or left out where
    there is no room), most of them still shown; the legend reads from 5 m (24 px)."""
    page = new_page(1920, 1080)
    url, _ = kiosk_link(wall_city, "overlaps", scenes="overview")
    open_wall(page, url)
    page.wait_for_selector(".wall-map .inc-cluster", timeout=20_000)
    page.wait_for_selector(".wall-map .district-label", timeout=20_000)
    stations = len(wall_city.services.city.stations)
    page.wait_for_function(f"document.querySelectorAll('.wall-map .aqi-marker').length === {stations}", timeout=20_000)
    found, deadline = None, time.monotonic() + 90
    while found is None and time.monotonic() < deadline:
        found = page.evaluate(AT_REST_OVERLAPS)
    assert found is not None, "the overview never came to rest"
    assert found["clusters"] >= 3, found
    assert found["overlaps"] == [], found["overlaps"]
    assert found["outside"] == 0
    assert found["badges"] >= stations / 2, found
    assert found["legendPx"] >= 24, found["legendPx"]
    assert page.console_errors == []


def test_the_feed_strip_ends_with_a_label_when_the_wall_polls(wall_city, new_page):
    page = new_page(1920, 1080)
    url, _ = kiosk_link(wall_city, "poll-strip", live="poll")
    open_wall(page, url)
    page.wait_for_selector(".wfeed", timeout=20_000)
    last = page.evaluate("""() => { const items = [...document.querySelectorAll('.wall-feeds li, .wall-feeds .wall-live')]
        .filter(e => e.offsetParent !== null); return items.length ? items[items.length - 1].textContent.trim() : null; }""")
    assert last, "a bare dot ends the feed strip"
