"""The Operations page in headless Chromium against a really started CityOps (demo city, connectors,
ingest, push relay, web): it shows the live city, takes live deltas without reloading or moving the
map, pauses and resumes when the push relay drops, in both languages, with nothing leaving 127.0.0.1."""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


def sign_in(page, runtime, username: str = "dispatcher", lang: str = "zh-CN") -> None:
    logins = runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang={lang}&next=/")     # the operations page (a dispatcher's home is /dispatch)
    page.fill("#login-username", username)
    page.fill("#login-password", logins[username])
    page.click("#login-submit")
    page.wait_for_selector(".ops-map .leaflet-overlay-pane path", timeout=20_000)


def watch(page) -> dict:
    seen = {"urls": [], "callbacks": 0}

    def on_request(request):
        seen["urls"].append(request.url)
        if "/_dash-update-component" in request.url:
            seen["callbacks"] += 1

    page.on("request", on_request)
    page.on("websocket", lambda ws: seen["urls"].append(ws.url))
    return seen


def figure(page, element_id: str) -> str:
    return page.inner_text(f"#{element_id}").strip()


def test_the_page_shows_the_live_city(live_city, new_page):
    page = new_page(1920, 1080)
    seen = watch(page)
    started = time.monotonic()
    sign_in(page, live_city)
    page.wait_for_function("document.querySelector('#ops-fig-open').textContent.trim() !== '–'", timeout=15_000)
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    elapsed = time.monotonic() - started
    city = live_city.services.city
    assert page.locator(".aqi-marker").count() == len(city.stations)
    assert page.locator(".district-label").count() == len(city.districts)
    assert page.locator(".ops-map .leaflet-overlay-pane path").count() >= len(city.segments)
    assert re.fullmatch(r"\d+", figure(page, "ops-fig-open"))
    assert re.fullmatch(r"\d+(\.\d)?|–", figure(page, "ops-fig-ci"))
    assert page.inner_text(".brand-city") == city.name_zh
    assert page.inner_text("#hdr-live-badge") == "实时"
    assert elapsed < 20
    assert page.console_errors == []
    assert [u for u in seen["urls"] if not u.startswith(LOCAL)] == []
    # no scrollbars on the page itself at 1920×1080
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")


def test_english_screens(live_city, new_page):
    page = new_page(1920, 1080)
    sign_in(page, live_city, lang="en")
    page.goto(f"{live_city.url}?lang=en")
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    assert page.inner_text(".brand-city") == live_city.services.city.name_en
    assert page.inner_text(".nav-link.is-active") == "Operations"
    assert page.inner_text("#hdr-live-badge") == "Live"
    assert "Open incidents" in page.inner_text(".ops-side")
    page.wait_for_function(
        "() => (document.querySelector('.leaflet-control-layers')?.textContent || '').includes('Road congestion')",
        timeout=10_000)
    assert not re.search(r"[\u4e00-\u9fff]", page.inner_text(".figures"))
    assert page.console_errors == []


def test_live_deltas_arrive_without_reloading_or_moving_the_map(live_city, new_page):
    page = new_page(1920, 1080)
    seen = watch(page)
    sign_in(page, live_city)
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    page.mouse.move(800, 500)
    page.mouse.wheel(0, -240)                  # the user zooms in
    time.sleep(1.0)
    scale = page.inner_text(".leaflet-control-scale-line")
    view = page.evaluate("document.querySelector('.leaflet-proxy') && document.querySelector('.leaflet-proxy').style.transform")
    callbacks = seen["callbacks"]
    first = page.evaluate("window.dash_clientside.cityops._connection().lastId")
    page.wait_for_function(f"window.dash_clientside.cityops._connection().lastId !== {first!r}", timeout=20_000)
    time.sleep(2.0)
    assert seen["callbacks"] == callbacks       # deltas are applied in the browser: no snapshot reload
    assert page.inner_text(".leaflet-control-scale-line") == scale
    assert page.evaluate("document.querySelector('.leaflet-proxy') && document.querySelector('.leaflet-proxy').style.transform") == view
    assert page.console_errors == []


def test_a_dropped_relay_pauses_then_resumes_from_the_last_batch(live_city, new_page):
    from dashboard.push import PushRelay

    page = new_page(1920, 1080)
    seen = watch(page)
    sign_in(page, live_city)
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    callbacks = seen["callbacks"]
    port = live_city.relay.port
    live_city.relay.stop()
    page.wait_for_selector("#hdr-live-badge.live-paused", timeout=10_000)
    assert "重连" in page.inner_text("#hdr-live-badge")
    before = page.evaluate("window.dash_clientside.cityops._connection().lastId")
    time.sleep(2.0)                           # the city goes on meanwhile
    live_city.relay = PushRelay(live_city.services.bus, live_city.settings.host, port).start()
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=20_000)
    page.wait_for_function(f"window.dash_clientside.cityops._connection().lastId !== {before!r}", timeout=20_000)
    assert seen["callbacks"] == callbacks     # caught up from the relay, not by reloading the snapshot
    assert page.locator(".aqi-marker").count() == len(live_city.services.city.stations)


def test_a_page_the_relay_cannot_catch_up_reloads_its_snapshot_and_keeps_the_view(live_city, new_page):
    page = new_page(1920, 1080)
    seen = watch(page)
    sign_in(page, live_city)
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    page.mouse.move(800, 500)
    page.mouse.wheel(0, -240)
    time.sleep(1.0)
    scale = page.inner_text(".leaflet-control-scale-line")
    callbacks = seen["callbacks"]
    # a position the bus never had (as after a restart of an in-process bus): the relay answers reset
    page.evaluate(f"window.dash_clientside.set_props('hdr-ws', {{url: 'ws://127.0.0.1:{live_city.relay.port}/?after=999999999'}})")
    deadline = time.monotonic() + 20
    while seen["callbacks"] == callbacks and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert seen["callbacks"] == callbacks + 1  # one snapshot reload
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    page.wait_for_timeout(1500)
    assert seen["callbacks"] == callbacks + 1
    assert page.inner_text(".leaflet-control-scale-line") == scale
    assert page.console_errors == []
