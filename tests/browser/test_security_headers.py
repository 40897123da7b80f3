"""Issue 17, item 16: with the Content-Security-Policy on, every page still renders in headless Chromium
(Dash's inline renderer script by its hash, Plotly, AG Grid, the map, the push relay) and nothing in
the console says the policy refused something."""
from __future__ import annotations

import pytest

PAGES = ("/", "/dispatch", "/review", "/feeds", "/admin/audit", "/admin/webhooks", "/wall")
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def sign_in(page, runtime, username="admin"):
    logins = dict(line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file)
                  if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang=zh-CN&next=/")
    page.fill("#login-username", username)
    page.fill("#login-password", logins[username])
    page.click("#login-submit")
    page.wait_for_selector("#_pages_content > *", timeout=30_000)


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_under_the_policy(live_city, new_page, path):
    page = new_page(1920, 1080, bypass_csp=False)   # the policy as a browser applies it
    violations = []
    page.on("console", lambda m: any(w in m.text for w in CSP_WORDS) and violations.append(m.text))
    sign_in(page, live_city)
    response = page.goto(f"{live_city.url.rstrip('/')}{path}")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_selector("#_pages_content > *", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('._dash-loading') && "
                           "document.querySelectorAll('#_pages_content *').length > 20", timeout=30_000)
    if path in ("/", "/wall", "/review"):
        page.wait_for_selector(".js-plotly-plot .main-svg, .leaflet-container", timeout=30_000)
    if path in ("/", "/dispatch"):   # the push relay connects under the policy (connect-src)
        page.wait_for_selector("#hdr-live-badge.live-live", timeout=30_000)
    if path == "/dispatch":
        page.wait_for_function("() => { try { return !!dash_ag_grid.getApi('disp-grid'); } catch (e) { return false; } }",
                               timeout=30_000)
    assert violations == [], violations
    assert [e for e in page.console_errors if any(w in e for w in CSP_WORDS)] == []


def test_the_served_cjk_font_is_taken_by_the_browser_under_the_policy(live_city, new_page):
    """A wall PC without a CJK font of its own: the font CityOps serves is accepted by Chromium's font
    sanitizer (the collection it comes from is not) and allowed by the policy (font-src 'self')."""
    page = new_page(1920, 1080, bypass_csp=False)
    page.goto(f"{live_city.url}login?lang=zh-CN")
    loaded = page.evaluate("() => document.fonts.load('20px \"CityOps CJK\"', '城市运行').then("
                           "faces => faces.map(f => f.status), e => 'error: ' + e)")
    assert loaded == ["loaded"], (loaded, page.console_errors)
    assert page.evaluate("() => document.fonts.check('20px \"CityOps CJK\"', '城')")
