"""Maps follow their box (assets/cityops-map-fit.js), in headless Chromium against a really started CityOps:
the phone's case detail, whose map is made while the detail is hidden, draws its marker inside the map
once a case is opened; the Operations map fits the city again when a tablet is turned, until the user
moves it, and never resets a view the user chose."""
from __future__ import annotations

import re

import pytest

from layouts.geo import city_bounds
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_day_at_work import FIRST_LOAD, sign_in_plain
from tests.browser.test_dispatch_page import LIVE_TIMEOUT

pytestmark = pytest.mark.browser

# The shapes of the case's marker (every path of the small map but the districts) whose box lies wholly
# inside the map's box, and how far each one's middle is from the map's middle (as a share of its size).
MARKER_IN_VIEW = """() => {
    const box = document.querySelector('#disp-map').getBoundingClientRect();
    const svg = document.querySelector('#disp-map .leaflet-overlay-pane svg');
    const marks = [...document.querySelectorAll('#disp-map .leaflet-overlay-pane path:not(.district-shape)')]
        .map(p => p.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0
            && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom);
    return {map: [box.width, box.height], svg: svg ? [svg.width.baseVal.value, svg.height.baseVal.value] : null,
            off: marks.map(r => Math.max(Math.abs((r.left + r.right) / 2 - (box.left + box.right) / 2) / box.width,
                                         Math.abs((r.top + r.bottom) / 2 - (box.top + box.bottom) / 2) / box.height))};
}"""


def test_the_phone_case_detail_draws_its_map(live_city, browser):
    """390 × 844 with touch: the detail (hidden until a case is opened) shows the case's marker in the
    middle of its map, not an empty box."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                  is_mobile=True, device_scale_factor=2, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in_plain(page, live_city, "dispatcher")
        page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
        page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
        assert page.evaluate("document.querySelector('#disp-map').getBoundingClientRect().width") == 0   # hidden
        page.tap("#disp-grid .ag-center-cols-container .ag-row .ag-cell[col-id='title']")
        page.wait_for_selector("#disp-detail:not(.is-empty) #disp-actions button", timeout=LIVE_TIMEOUT)
        page.locator("#disp-map").scroll_into_view_if_needed()
        page.wait_for_function(f"({MARKER_IN_VIEW})().off.length > 0", timeout=LIVE_TIMEOUT)
        found = page.evaluate(MARKER_IN_VIEW)
        assert found["svg"][0] >= found["map"][0] and found["svg"][1] >= found["map"][1], found   # drawn at its size
        assert min(found["off"]) < 0.05, found                                                     # in the middle
        page.screenshot(path=str(SCREENSHOTS / "map-fit-phone-detail-390x844.png"))
    finally:
        context.close()


# Where the city's districts are drawn in the map's box, in pixels from the box's top left.
CITY_IN_MAP = """() => {
    const box = document.querySelector('.ops-map').getBoundingClientRect();
    let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
    document.querySelectorAll('.ops-map path.district-shape').forEach(p => {
        const x = p.getBoundingClientRect();
        l = Math.min(l, x.left); t = Math.min(t, x.top); r = Math.max(r, x.right); b = Math.max(b, x.bottom);
    });
    return {map: [box.width, box.height], city: [l - box.left, t - box.top, r - box.left, b - box.top]};
}"""


# A drag ends with one moveend, after its glide if it has one: set up before the mouse is let go.
AWAIT_REST = """() => { const map = cityops.mapOf(document.querySelector('.ops-map'));
    window.__mapAtRest = new Promise(done => map.once('moveend', done)); }"""
# The map's zoom and centre once it is at rest.
VIEW_AT_REST = """async () => {
    await (window.__mapAtRest || Promise.resolve());
    const map = cityops.mapOf(document.querySelector('.ops-map'));
    return {zoom: map.getZoom(), center: [map.getCenter().lat, map.getCenter().lng]};
}"""


def _within(found) -> bool:
    (w, h), (left, top, right, bottom) = found["map"], found["city"]
    return left >= -1 and top >= -1 and right <= w + 1 and bottom <= h + 1


def test_the_operations_map_fits_the_city_when_a_tablet_turns_and_keeps_a_chosen_view(live_city, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN", has_touch=True,
                                  bypass_csp=True)
    page = context.new_page()
    try:
        sign_in_plain(page, live_city, "leader")
        page.goto(live_city.url)
        page.wait_for_selector(".ops-map path.district-shape", timeout=FIRST_LOAD)
        assert _within(page.evaluate(CITY_IN_MAP))
        page.set_viewport_size({"width": 768, "height": 1024})            # turned to portrait
        page.wait_for_function(f"(({CITY_IN_MAP})().map[0]) < 700", timeout=LIVE_TIMEOUT)
        turned = page.evaluate(CITY_IN_MAP)
        page.screenshot(path=str(SCREENSHOTS / "map-fit-operations-768x1024.png"))
        assert _within(turned), turned

        box = page.locator(".ops-map").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y + 40, steps=6)
        page.mouse.move(x + 120, y + 80, steps=6)
        page.evaluate(AWAIT_REST)                                           # the drag's end, glide included
        page.mouse.up()
        panned = page.evaluate(VIEW_AT_REST)
        (_, west), (_, east) = city_bounds(live_city.services.city)
        assert panned["center"][1] < (west + east) / 2     # dragged east: the view is west of the middle
        page.set_viewport_size({"width": 1024, "height": 768})            # and back: the user's view stays
        page.wait_for_function(f"(({CITY_IN_MAP})().map[0]) > {turned['map'][0] + 100}", timeout=LIVE_TIMEOUT)
        back = page.evaluate(VIEW_AT_REST)
        assert back["zoom"] == panned["zoom"]
        assert back["center"] == pytest.approx(panned["center"], abs=1e-6)
    finally:
        context.close()
