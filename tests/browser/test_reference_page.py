"""The city reference page and the standards on the Dispatch page, in headless Chromium against a really
started CityOps (the demo city, imported through `city import` like any other): as an admin, in both
languages, every section filled (districts on the map, departments, the taxonomy with its standards and
处置时限 and a working search, routing rules with their explanation, the calendar's years, the import
history); a leader is refused; a dispatcher sees the category's 立案标准 when verifying and its 结案标准
when closing, and the deadline's basis. Screenshots at 1920×1080 in both languages."""
from __future__ import annotations

from dataclasses import replace

import pytest

from dashboard.config import Settings
from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.incident_actions import perform
from tests.browser.conftest import SCREENSHOTS, free_port

pytestmark = pytest.mark.browser

DISPATCHER = Identity("dispatcher", "dispatcher")
OPERATOR = Identity("op-water", "operator", "water")
TIMEOUT = 15_000
SECTIONS = ("districts", "departments", "taxonomy", "routing", "calendar", "history")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from dashboard.runtime import Runtime
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops-ref")), port=free_port(),
                       push_port=free_port(), demo_speed=20.0, poll_seconds=1.0, seed=7, demo_workforce=False,
                       demo_history_days=0)
    runtime = Runtime(settings, web=True, push=True, connectors=False, demo=True).start()
    yield runtime
    runtime.stop()


def sign_in(page, runtime, username: str, path: str, lang: str):
    page.goto(f"{runtime.url}login?lang={lang}&next={path}")
    page.fill("#login-username", username)
    page.fill("#login-password", runtime.demo_logins[username])
    with page.expect_navigation() as landing:
        page.click("#login-submit")
    return landing.value


def rows_in(page, grid: str) -> int:
    return page.evaluate(f"() => document.querySelectorAll('#{grid} .ag-center-cols-container .ag-row').length")


@pytest.mark.parametrize("lang, title, official", [("zh-CN", "城市基础数据", "正式"), ("en", "City reference", "official")])
def test_the_admin_reads_the_city_in_force(city, new_page, lang, title, official):
    page = new_page(1920, 1080)
    sign_in(page, city, "admin", "/reference", lang)
    page.wait_for_selector("#ref-taxonomy-grid .ag-center-cols-container .ag-row", timeout=TIMEOUT)
    page.wait_for_selector("#ref-history-grid .ag-center-cols-container .ag-row", timeout=TIMEOUT)
    assert page.inner_text("h1.page-title") == title
    assert "cityops city import" in page.inner_text(".ref-readonly")         # where the city is changed
    for name in SECTIONS:
        assert page.is_visible(f"#ref-section-{name}"), name
    assert page.locator("#ref-map .leaflet-interactive").count() == len(city.services.city.districts)
    assert rows_in(page, "ref-district-grid") >= 1 and rows_in(page, "ref-department-grid") >= 1
    assert rows_in(page, "ref-routing-grid") >= 1 and rows_in(page, "ref-taxonomy-grid") >= 1
    taxonomy = page.inner_text("#ref-taxonomy-grid")
    assert "部件缺失、破损或功能失效" in taxonomy                                  # a 立案标准
    assert ("工作时" if lang == "zh-CN" else "working h") in taxonomy            # 处置时限 with its unit
    assert official in page.inner_text("#ref-calendar")
    history = page.inner_text("#ref-history-grid")
    assert city.services.city.version in history
    SCREENSHOTS.mkdir(exist_ok=True)
    short = "zh" if lang == "zh-CN" else "en"
    page.screenshot(path=str(SCREENSHOTS / f"reference-1920x1080-{short}.png"))
    for name in ("taxonomy", "calendar"):   # the lower sections, scrolled to
        page.evaluate(f"() => document.getElementById('ref-section-{name}').scrollIntoView()")
        page.screenshot(path=str(SCREENSHOTS / f"reference-1920x1080-{short}-{name}.png"))
    page.fill("#ref-taxonomy-search", "0104")                                   # the search narrows the taxonomy
    page.wait_for_function("() => document.querySelectorAll('#ref-taxonomy-grid .ag-center-cols-container .ag-row')"
                           ".length === 1", timeout=TIMEOUT, polling=100)
    assert "0104" in page.inner_text("#ref-taxonomy-grid")
    assert not [e for e in page.console_errors if "ref-" in e]


def test_a_leader_is_refused(city, new_page):
    page = new_page(1920, 1080)
    landing = sign_in(page, city, "leader", "/reference", "en")
    assert landing.status == 403
    assert page.locator("#ref-page").count() == 0
    assert "/reference" not in [a.get_attribute("href") for a in page.locator(".app-nav a").all()]


def test_the_menu_has_it_for_admins(city, new_page):
    page = new_page(1920, 1080)
    sign_in(page, city, "admin", "/", "zh-CN")
    page.wait_for_selector(".app-nav a[href='/reference']", timeout=TIMEOUT)


def _standard(page, which: str) -> str:
    page.wait_for_selector(f"#disp-actions .disp-standard-{which}", timeout=TIMEOUT)
    return page.inner_text(f"#disp-actions .disp-standard-{which}")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_dispatcher_sees_the_standards_where_they_apply(city, new_page, lang):
    svc = city.services
    category = svc.city.find_category("0104")
    lon, lat = svc.city.center
    incident = intake.record_manual(svc, DISPATCHER, {"category": "0104", "title": f"标准 {lang}",
                                                      "description": "路面有水冒出", "lat": lat, "lon": lon})
    page = new_page(1920, 1080)
    sign_in(page, city, "dispatcher", f"/dispatch?incident={incident['id']}", lang)
    text = _standard(page, "open")                                              # verifying: 立案标准
    assert category.standard_open in text and ("立案标准" in text)
    assert page.locator("#disp-actions .disp-standard-close").count() == 0
    page.screenshot(path=str(SCREENSHOTS / f"reference-dispatch-verify-{'zh' if lang == 'zh-CN' else 'en'}.png"))

    incident = perform(svc, DISPATCHER, incident["id"], "verify", incident["version"])
    incident = perform(svc, DISPATCHER, incident["id"], "dispatch", incident["version"], params={"department": "water"})
    incident = perform(svc, OPERATOR, incident["id"], "accept", incident["version"])
    incident = perform(svc, OPERATOR, incident["id"], "report_fixed", incident["version"], params={"note": "已修复"})
    page.goto(f"{city.url}dispatch?incident={incident['id']}&lang={lang}")
    text = _standard(page, "close")                                             # closing: 结案标准
    assert category.standard_close in text and "结案标准" in text
    assert page.locator("#disp-actions .disp-standard-open").count() == 0
    basis = page.inner_text("#disp-record .deadline-basis")                     # the deadline's basis (#14b)
    assert ("工作时" if lang == "zh-CN" else "working hour") in basis
    page.screenshot(path=str(SCREENSHOTS / f"reference-dispatch-close-{'zh' if lang == 'zh-CN' else 'en'}.png"))
