"""The Review page on tablets in headless Chromium (touch contexts, tap()): at 1024×768 and 1366×1024 the
page has no horizontal scroll, the league table shows last month's departments, tapping a department
drills down to its categories, tapping a figure shows its definition and then the incidents behind it,
and the take-away links answer with a PDF. Screenshots land in tests/browser/screenshots/."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.config import Settings
from tests.browser.conftest import CHROMIUM, SCREENSHOTS, free_port
from tests.browser.test_operations_page import LOCAL, watch
from tests.integration.test_evaluation_store import store_facts
from tests.unit.test_evaluation_figures import october_cases

pytestmark = pytest.mark.browser
SIZES = [(1024, 768), (1366, 1024), (768, 1024)]   # tablets landscape, and portrait


@pytest.fixture(scope="module")
def review_city(tmp_path_factory):
    """CityOps with the web server only, and the hand-computed October incidents moved to last month and
    given the demo city's departments."""
    from dashboard.runtime import Runtime
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops-review")), port=free_port(),
                       push_port=free_port(), seed=7,
                       demo_history_days=0, demo_workforce=False)   # only the hand-computed incidents
    runtime = Runtime(settings, web=True, push=False, connectors=False, demo=True).start()
    services = runtime.services
    depts = [d.code for d in services.city.departments[:3]]
    districts = [d.code for d in services.city.districts[:2]]
    local_now = datetime.now(timezone.utc).astimezone(services.tz)
    last_month = (local_now.replace(day=1) - timedelta(days=1)).replace(day=1)
    shift = last_month.date() - datetime(2026, 10, 1).date()
    mapping = {"CG": depts[0], "JT": depts[1], "HB": depts[2], "D1": districts[0], "D2": districts[1]}
    lat0, lon0 = services.city.center[1], services.city.center[0]

    def moved(f):
        values = {k: (getattr(f, k) + shift if getattr(f, k) else None)
                  for k in ("created_at", "deadline", "dispatched_at", "accepted_at", "closed_at", "fixed_at")}
        checks = tuple((asked + shift, done + shift if done else None, result) for asked, done, result in f.checks)
        return replace(f, incident_id=900000 + f.incident_id, department=mapping[f.department],
                       district=mapping[f.district], lat=lat0 + 0.01 * f.incident_id, lon=lon0 - 0.01 * f.incident_id,
                       extra={k: v + shift for k, v in f.extra.items()}, checks=checks, **values)
    with services.store.begin() as conn:
        store_facts(conn, [moved(f) for f in october_cases()])
    runtime.department_names = [d.name_zh for d in services.city.departments[:3]]
    yield runtime
    runtime.stop()


def tablet(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True,
                                  is_mobile=False, device_scale_factor=1)
    return context, context.new_page()


def sign_in_as_leader(page, runtime) -> None:
    logins = runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang=zh-CN&next=/review?period=last_month")
    page.fill("#login-username", "leader")
    page.fill("#login-password", logins["leader"])
    page.click("#login-submit")
    page.goto(f"{runtime.url}review?period=last_month")
    page.wait_for_selector(".rev-league tbody tr", timeout=30_000)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("""() => {
        const el = document.querySelector('.rev-page');
        return document.documentElement.scrollWidth <= window.innerWidth
            && el.scrollWidth <= el.clientWidth + 1;
    }""")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_on_a_tablet(review_city, browser, size):
    width, height = size
    context, page = tablet(browser, width, height)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    seen = watch(page)
    try:
        sign_in_as_leader(page, review_city)
        page.wait_for_function("names => { const el = document.querySelector('.rev-league'); "
                               "return !!el && names.every(n => el.innerText.includes(n)) "
                               "&& (document.querySelector('#rev-tiles') || {}).innerText.includes('%'); }",
                               arg=list(review_city.department_names), timeout=30_000)
        assert no_horizontal_scroll(page)
        league = page.inner_text(".rev-league")
        for name in review_city.department_names:
            assert name in league, name
        assert "40.0%" in page.inner_text("#rev-tiles")           # on-time: 2 of 5
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"review-{width}x{height}.png"))
        # hot spots: a circle per cell with incidents created last month (all but D, created before)
        page.wait_for_function("() => document.querySelectorAll('#rev-heat-map path.rev-heat-cell').length === 6",
                               timeout=10_000)
        page.eval_on_selector("#rev-daily", "el => el.scrollIntoView()")
        page.wait_for_selector("#rev-daily .main-svg", state="visible", timeout=10_000)
        page.screenshot(path=str(SCREENSHOTS / f"review-{width}x{height}-trends.png"))
        page.eval_on_selector(".rev-page", "el => el.scrollTo(0, el.scrollHeight)")
        page.wait_for_function("() => { const el = document.querySelector('.rev-page'); "
                               "return Math.abs(el.scrollTop + el.clientHeight - el.scrollHeight) <= 2; }", timeout=10_000)
        page.screenshot(path=str(SCREENSHOTS / f"review-{width}x{height}-bottom.png"))
        page.eval_on_selector(".rev-page", "el => el.scrollTo(0, 0)")

        # tap a figure: its definition, then the incidents behind it
        page.tap('[id*="\\"key\\":\\"overdue\\""]')
        page.wait_for_selector("#rev-definition:not([hidden])", timeout=10_000)
        assert "截止时间" in page.inner_text("#rev-definition")
        page.tap("#rev-incidents-btn")
        page.wait_for_selector("#rev-incidents .rev-code", timeout=10_000)
        codes = page.eval_on_selector_all("#rev-incidents .rev-code", "els => els.map(e => e.textContent)")
        assert sorted(codes) == ["C900002", "C900003", "C900007"]   # B closed late, C returned, G reopened
        assert page.query_selector("#rev-incidents a.rev-link") is None   # a leader has no Dispatch page

        # tap the first department: its breakdown by category, with a crumb back to the city
        first = page.inner_text(".rev-league tbody tr:first-child .rev-name")
        page.tap(".rev-league tbody tr:first-child")
        page.wait_for_function("() => document.querySelectorAll('#rev-crumbs .rev-crumb').length === 2", timeout=10_000)
        assert first in page.inner_text("#rev-crumbs")
        assert "类别" in page.inner_text("#rev-league-title")
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / f"review-{width}x{height}-drill.png"))
        page.tap("#rev-crumbs .rev-crumb >> nth=0")
        page.wait_for_function("() => document.querySelectorAll('#rev-crumbs .rev-crumb').length === 1", timeout=10_000)

        # touch targets: at least 44 px high
        small = page.evaluate("""() => [...document.querySelectorAll(
                '.rev-btn, .rev-crumb, .rev-tile, .rev-period-radio label')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => `${e.className} ${e.textContent.trim().slice(0, 20)} ${e.getBoundingClientRect().height}`)""")
        assert small == []
        # the take-away: a real PDF
        href = page.get_attribute("#rev-export-pdf", "href")
        response = page.request.get(review_city.url.rstrip("/") + href)
        assert response.status == 200 and response.body().startswith(b"%PDF-")
        assert errors == []
        assert all(u.startswith(LOCAL) for u in seen["urls"]), [u for u in seen["urls"] if not u.startswith(LOCAL)]
    finally:
        context.close()


def test_english_and_a_dispatcher_can_open_it(review_city, browser):
    context, page = tablet(browser, 1366, 1024)
    try:
        sign_in_as_leader(page, review_city)
        page.goto(f"{review_city.url}review?period=last_month&lang=en")
        page.wait_for_selector(".rev-league tbody tr", timeout=30_000)
        assert "League table" in page.inner_text("#rev-league-title")
        assert "On-time closure" in page.inner_text("#rev-tiles")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_checks_and_the_disposal_rate_at_1024(review_city, browser, lang):
    """Issues 16 and 18: the inspectors' checks (share failed, mean time to verify) are figures of the review
    with their definitions (a column of the report's league table); the disposal rate counts only what fell
    due (A, B, G fixed by their deadlines, C's deadline passed unfixed: 3 of 4)."""
    context, page = tablet(browser, 1024, 768)
    try:
        sign_in_as_leader(page, review_city)
        page.goto(f"{review_city.url}review?period=last_month&lang={lang}")
        page.wait_for_selector(".rev-league tbody tr", timeout=30_000)
        tiles = page.inner_text("#rev-tiles")
        labels = {"zh-CN": ("核查不通过率", "平均核查时长", "处置率"),
                  "en": ("Checks failed", "Mean time to verify", "Disposal rate")}[lang]
        for label in labels:
            assert label in tiles, label
        failed = page.inner_text('[id*="\\"key\\":\\"verify_fail_rate\\""] .rev-tile-value')
        assert failed == "33.3%"                    # B's first check of three
        disposal = page.inner_text('[id*="\\"key\\":\\"disposal_rate\\""] .rev-tile-value')
        assert disposal == "75.0%"
        assert no_horizontal_scroll(page)
        shots = SCREENSHOTS
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"review-1024-{lang}.png"))
        page.tap('[id*="\\"key\\":\\"verify_fail_rate\\""]')
        page.wait_for_selector("#rev-definition:not([hidden])", timeout=10_000)
        assert {"zh-CN": "核查", "en": "checks"}[lang] in page.inner_text("#rev-definition .rev-def-text")
        page.tap("#rev-incidents-btn")
        page.wait_for_selector("#rev-incidents .rev-code", timeout=10_000)
        codes = page.eval_on_selector_all("#rev-incidents .rev-code", "els => els.map(e => e.textContent)")
        assert codes == ["C900002"]
        page.eval_on_selector("#rev-definition", "el => el.scrollIntoView()")
        page.screenshot(path=str(shots / f"review-1024-{lang}-definition.png"))
        page.eval_on_selector(".rev-league", "el => el.scrollIntoView()")
        page.screenshot(path=str(shots / f"review-1024-{lang}-league.png"))
    finally:
        context.close()


assert CHROMIUM
