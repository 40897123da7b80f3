"""Issue 16 ("a day at work") in headless Chromium against a really started CityOps: a dispatcher lands on
the work that needs them (urgent and oldest first) and finds the view they chose after a reload and
after another page; /dispatch?incident=… opens it; merge and reject are confirmed and can be undone, a
merged case names the other by its case number, as a link; after an action the grid highlights nothing
the detail does not show; 404 and 403 are real, in the screen's language, inside the app's frame; an
English screen composes no Chinese (what people typed and place names aside)."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import incident_queries
from dashboard.services.incident_actions import perform
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_dispatch_page import LIVE_TIMEOUT, feedback, open_row, record, wait_for_grid, wait_for_row

pytestmark = pytest.mark.browser
DISPATCHER = Identity("dispatcher", "dispatcher")
CJK = re.compile(r"[\u4e00-\u9fff]")
FIRST_LOAD = 60_000        # ms: a page's first load on a busy test machine (then LIVE_TIMEOUT)


def logins(runtime) -> dict:
    return runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))


def sign_in_plain(page, runtime, username: str, lang: str = "zh-CN") -> None:
    """Sign in with no destination: where the person lands is the server's choice."""
    page.goto(f"{runtime.url}login?lang={lang}")
    page.fill("#login-username", username)
    page.fill("#login-password", logins(runtime)[username])
    page.click("#login-submit")


def grid_order(page) -> list[dict]:
    return page.evaluate("""() => { const out = []; const api = dash_ag_grid.getApi('disp-grid');
        api.forEachNodeAfterFilterAndSort(n => out.push({id: n.data.id, p: n.data.priority, at: n.data.reported_at,
                                                         status: n.data.status}));
        return out; }""")


def test_a_dispatcher_lands_on_the_work_that_needs_them(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    urgent = record(live_city, f"信号灯故障 {tag}", category="0104", offset=0.03)
    perform(live_city.services, DISPATCHER, urgent["id"], "reprioritize", urgent["version"], params={"priority": 1})
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)          # not the map
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    wait_for_row(page, urgent["id"])
    rows = grid_order(page)
    assert {r["status"] for r in rows} <= {"reported", "verified", "returned", "fixed"}      # nothing closed
    keys = [(r["p"], r["at"]) for r in rows]
    assert keys == sorted(keys)                                                 # urgent, then the oldest
    assert rows[0]["p"] == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "day-dispatch-1920x1080-zh.png"))

    # choose another view: it is there after a reload and after visiting another page
    page.click("#disp-view-pick")
    page.get_by_role("option", name="超期案件").click()
    page.wait_for_function("() => document.querySelector('#disp-f-overdue input').checked", timeout=LIVE_TIMEOUT)
    page.wait_for_function("() => document.cookie.includes('cityops-disp-view')", timeout=LIVE_TIMEOUT)
    page.reload()
    page.wait_for_selector("#disp-f-overdue input", timeout=LIVE_TIMEOUT)
    assert page.is_checked("#disp-f-overdue input")
    assert "超期案件" in page.inner_text("#disp-view-pick")
    page.click(".app-nav a[href='/']")
    page.wait_for_selector(".ops-map", timeout=LIVE_TIMEOUT)
    page.click(".app-nav a[href='/dispatch']")
    page.wait_for_selector("#disp-f-overdue input", timeout=LIVE_TIMEOUT)
    assert page.is_checked("#disp-f-overdue input")


def test_a_link_opens_the_incident_and_merge_is_confirmed_and_undoable(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    first = record(live_city, f"井盖缺失 {tag} 一", category="0101", offset=0.041)
    second = record(live_city, f"井盖缺失 {tag} 二", category="0101", offset=0.041)   # same place: a duplicate
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
    page.goto(f"{live_city.url}dispatch?incident={second['id']}")            # the review page's links
    page.wait_for_function(f"() => (document.querySelector('#disp-detail-head') || {{}}).textContent"
                           f"?.includes({json.dumps(second['code'])})", timeout=LIVE_TIMEOUT)

    merge = page.locator("#disp-detail .disp-merge").first
    merge.click()
    assert first["code"] in merge.inner_text()                             # "merge into …? click again"
    merge.click()
    page.wait_for_selector("#disp-undo .disp-undo-button", timeout=LIVE_TIMEOUT)
    page.click("#disp-undo .disp-undo-button")                              # changed their mind
    page.wait_for_selector("#disp-undo", state="detached", timeout=LIVE_TIMEOUT)
    assert page.evaluate("window.cityopsUndo.pending()") is False
    assert incident_queries.get_incident(live_city.services, DISPATCHER, second["id"])["status"] == "reported"

    merge.click()
    merge.click()
    page.wait_for_selector("#disp-undo", timeout=LIVE_TIMEOUT)
    page.wait_for_selector("#disp-undo", state="detached", timeout=FIRST_LOAD)   # sent when the countdown ended
    feedback(page, "合并")
    link = page.locator("#disp-detail-head .disp-merged-into a")
    link.wait_for(timeout=LIVE_TIMEOUT)
    assert link.inner_text() == first["code"] and link.get_attribute("href") == f"/dispatch?incident={first['id']}"
    assert incident_queries.get_incident(live_city.services, DISPATCHER, second["id"])["status"] == "merged"


def test_the_queue_marks_both_members_of_a_duplicate_pair_and_similar_text(live_city, new_page):
    """Issue 16 item 9 and issue 21: the older report of a pair is marked as well as the newer, and two
    reports alike in words (a little further apart) are marked with each other's case number."""
    tag = uuid.uuid4().hex[:6]
    older = record(live_city, f"井盖缺失 {tag} 一", category="0101", offset=0.101)
    newer = record(live_city, f"井盖缺失 {tag} 二", category="0101", offset=0.101)     # same place
    said = record(live_city, f"小区门口井盖松动车一过就哐哐响 {tag}", category="0101", offset=0.111)
    again = record(live_city, f"小区门口井盖松动车一过哐哐响 {tag}", category="0101", offset=0.1118)   # ~100 m
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    page.fill("#disp-f-text", tag)
    wait_for_grid(page, "api.getDisplayedRowCount() === 4")                  # the filtered queue
    for incident in (older, newer, said, again):
        wait_for_row(page, incident["id"])

    def title_cell(incident) -> str:
        page.evaluate(f"(api => api.ensureNodeVisible(api.getRowNode('{incident['id']}')))(dash_ag_grid.getApi('disp-grid'))")
        return page.inner_text(f"#disp-grid .ag-row[row-id='{incident['id']}'] .ag-cell[col-id='title']")

    assert f"疑似重复 {newer['code'][-6:]}" in title_cell(older)          # the older one too
    assert f"疑似重复 {older['code'][-6:]}" in title_cell(newer)
    assert f"内容相似 {again['code'][-6:]}" in title_cell(said)
    assert f"内容相似 {said['code'][-6:]}" in title_cell(again)
    page.screenshot(path=str(SCREENSHOTS / "day-dispatch-duplicate-marks.png"))


def test_reject_waits_for_the_undo_window_and_the_grid_follows_the_detail(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    gone = record(live_city, f"占道经营 {tag} 甲", category="0104", offset=0.061)
    after = record(live_city, f"占道经营 {tag} 乙", category="0104", offset=0.071)
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    page.fill("#disp-f-text", tag)
    wait_for_row(page, gone["id"])
    wait_for_row(page, after["id"])
    settled(page)                                  # the filtered queue is drawn: a click lands on its row
    open_row(page, gone["id"])
    page.keyboard.press("r")
    page.wait_for_selector(".disp-form.is-open[data-action='reject'] textarea", timeout=LIVE_TIMEOUT)
    page.fill(".disp-form.is-open[data-action='reject'] textarea", "重复上报")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#disp-undo", timeout=LIVE_TIMEOUT)
    assert incident_queries.get_incident(live_city.services, DISPATCHER, gone["id"])["status"] == "reported"
    page.wait_for_selector("#disp-undo", state="detached", timeout=FIRST_LOAD)   # the undo window ended
    feedback(page, "不予立案")
    page.wait_for_function(f"() => !dash_ag_grid.getApi('disp-grid').getRowNode('{gone['id']}')",
                           timeout=LIVE_TIMEOUT, polling=100)
    # the row left the queue: the grid highlights nothing else while the detail still shows it
    assert gone["code"] in page.inner_text("#disp-detail-head")
    assert page.evaluate("dash_ag_grid.getApi('disp-grid').getFocusedCell()") is None
    assert page.query_selector("#disp-grid .ag-row.disp-row-current") is None
    page.keyboard.press("j")                                                # the next one, in both
    page.wait_for_function(f"() => document.querySelector('#disp-detail-head').textContent"
                           f".includes({json.dumps(after['code'])})", timeout=LIVE_TIMEOUT)
    page.wait_for_selector(f"#disp-grid .ag-row.disp-row-current[row-id='{after['id']}']", timeout=LIVE_TIMEOUT)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_real_404_and_403_in_the_screens_language(live_city, new_page, lang):
    page = new_page(1366, 768)
    sign_in_plain(page, live_city, "dispatcher", lang)
    page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
    for path, status, words in (("/nonexistent", 404, {"zh-CN": "页面不存在", "en": "Page not found"}),
                                ("/admin/audit", 403, {"zh-CN": "无权访问", "en": "You may not open"})):
        response = page.goto(f"{live_city.url.rstrip('/')}{path}?lang={lang}")
        assert response.status == status
        page.wait_for_selector(f".error-page[data-status='{status}']", timeout=LIVE_TIMEOUT)
        text = page.inner_text(".error-page")
        assert words[lang] in text and path in text
        assert page.query_selector(".app-header .app-nav") is not None          # inside the app's frame
        assert bool(CJK.search(text)) == (lang == "zh-CN")
        page.screenshot(path=str(SCREENSHOTS / f"day-{status}-{lang}.png"))
    page.click(".error-back")
    page.wait_for_selector("#disp-grid", timeout=LIVE_TIMEOUT)


# Text people typed and place names may be Chinese on an English screen; nothing the system composes.
# (the city's 立案/结案 standards are the city's own text, named with their Chinese term: #14's .disp-standard)
TYPED_OR_PLACES = (".ag-cell[col-id='title'], .disp-title, .disp-description, .disp-kvs dd, #disp-timeline, .disp-standard, "
                   ".disp-dup-title, .disp-dup-text, .disp-dup-meta, .user-name, .disp-msg-detail, "
                   ".lang-link, .leaflet-tooltip, .ops-feed-title, .ops-event-title")

COMPOSED_CHINESE = """(allowed) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || !node.textContent.trim() || el.closest(allowed) || el.closest('script, style')) { continue; }
        if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') { continue; }
        if (/[\\u4e00-\\u9fff]/.test(node.textContent)) { out.push(node.textContent.trim().slice(0, 40)); }
    }
    return out;
}"""


def test_an_english_dispatch_screen_composes_no_chinese(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    incident = record(live_city, f"路灯不亮 {tag}", category="0104", offset=0.081)
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher", "en")
    page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    wait_for_row(page, incident["id"])
    open_row(page, incident["id"])
    page.wait_for_selector("#disp-timeline li", timeout=LIVE_TIMEOUT)
    assert page.evaluate(COMPOSED_CHINESE, TYPED_OR_PLACES) == []
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d\d:\d\d\b", page.inner_text("#disp-grid"))   # "5 Dec 14:03"
    header = page.inner_text(".user-name")
    assert header.startswith("Dispatcher")
    page.screenshot(path=str(SCREENSHOTS / "day-dispatch-1920x1080-en.png"))


def verified_case_open_on_the_desk(live_city, new_page, title: str, offset: float):
    """A new verified case, open in a dispatcher's detail (the queue filtered down to it)."""
    tag = uuid.uuid4().hex[:6]
    incident = record(live_city, f"{title} {tag}", offset=offset)
    incident = perform(live_city.services, DISPATCHER, incident["id"], "verify", incident["version"])
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    page.fill("#disp-f-text", tag)
    wait_for_row(page, incident["id"])
    open_row(page, incident["id"])
    return page, incident


def test_dispatch_by_keyboard_alone(live_city, new_page):
    """d opens the form on the department picker; typing searches it; Tab goes on to the reason (not into
    the date); a usual reason is one tap; Ctrl+Enter sends; nothing typed is lost."""
    page, incident = verified_case_open_on_the_desk(live_city, new_page, "供水管道漏水 键盘", 0.091)
    page.keyboard.press("Escape")
    page.locator("#disp-detail-head").click()                      # the keys act on the page, not a field
    page.keyboard.press("d")
    page.wait_for_selector(".disp-form.is-open[data-action='dispatch']", timeout=LIVE_TIMEOUT)
    # ready when the caret is in the picker's search box, as the person sees it
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('.dash-dropdown-search')",
                           timeout=LIVE_TIMEOUT)
    target = live_city.services.city.departments[1]
    page.keyboard.type(target.name_zh[:3])                           # typing searches the departments
    page.wait_for_selector(f"[role=option]:has-text('{target.name_zh}')", timeout=LIVE_TIMEOUT)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.querySelector('.disp-form.is-open .dash-dropdown-value')"
                           f"?.textContent.includes({json.dumps(target.name_zh)})", timeout=LIVE_TIMEOUT)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"     # the reason, not the date
    page.keyboard.type("按路段改派")
    page.keyboard.press("Control+Enter")
    feedback(page, "派遣")
    steps = live_city.services.store
    with steps.connect() as conn:
        from dashboard.store import incidents as incident_store
        last = incident_store.history(conn, incident["id"])[-1]
    assert last["action"] == "dispatch" and last["reason"] == "按路段改派"
    assert incident_queries.get_incident(live_city.services, DISPATCHER, incident["id"])["department"] == target.code


def test_a_change_to_the_open_case_keeps_the_form_being_filled(live_city, new_page):
    """Issue 16 item 6: while the dispatcher fills in the dispatch form, a colleague's change to the same
    case is said in the banner and the form stays as it is (open, what was typed, the department picked);
    picking the case shown again redraws nothing."""
    page, incident = verified_case_open_on_the_desk(live_city, new_page, "供水管道漏水 表单", 0.121)
    page.click("#disp-actions [data-action='dispatch']")
    form = ".disp-form.is-open[data-action='dispatch']"
    page.wait_for_selector(f"{form} textarea", timeout=LIVE_TIMEOUT)
    page.fill(f"{form} textarea", "按路段改派")
    page.evaluate("""() => { window.__redrawn = 0; new MutationObserver(() => window.__redrawn++)
                             .observe(document.getElementById('disp-actions'), {childList: true}); }""")

    changed = perform(live_city.services, Identity("dispatcher2", "dispatcher"), incident["id"], "comment",
                      incident["version"], params={"text": "现场有人看管"})            # a colleague, meanwhile
    page.wait_for_selector("#disp-stale:not(.disp-hidden)", timeout=LIVE_TIMEOUT)
    assert str(changed["version"]) in page.inner_text("#disp-stale")

    # the case shown is picked again (the grid, a phoned-in case): the server answers, nothing is redrawn
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "disp-current" in (r.request.post_data or ""), timeout=LIVE_TIMEOUT):
        page.evaluate(f"window.dash_clientside.set_props('disp-current', {{data: {{id: {incident['id']}}}}})")
    settled(page)
    assert page.evaluate("window.__redrawn") == 0
    assert page.input_value(f"{form} textarea") == "按路段改派"
    assert page.is_visible("#disp-stale")
    page.screenshot(path=str(SCREENSHOTS / "day-dispatch-form-kept.png"))


def operator_of(runtime) -> tuple[str, str]:
    """A demo operator's user name and department code."""
    for user in logins(runtime):
        if user.startswith("op-"):
            code = next(d.code for d in runtime.services.city.departments if d.code.lower() == user[3:])
            return user, code
    raise AssertionError("no demo operator")


def settled(page) -> None:
    """Dash has nothing in flight (a tap on a table being redrawn would be lost)."""
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
                           timeout=LIVE_TIMEOUT, polling=100)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_operators_whole_task_list_on_a_phone(live_city, browser):
    """390 × 844 with touch: told of a new case, find it, open it, accept, report it fixed, back to the
    list; every control reachable with a thumb, nothing sideways, the menu in an operator's words."""
    user, department = operator_of(live_city)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    try:
        sign_in_plain(page, live_city, user)
        page.wait_for_url(re.compile(r"/dispatch"), timeout=FIRST_LOAD)
        page.wait_for_selector("#disp-grid .ag-root", timeout=FIRST_LOAD)
        page.wait_for_selector("#hdr-live-badge.live-live", state="attached", timeout=FIRST_LOAD)
        assert "我的案件" in page.inner_text(".app-nav") and "案件派遣" not in page.inner_text(".app-nav")

        tag = uuid.uuid4().hex[:6]
        incident = record(live_city, f"井盖破损 手机 {tag}", category="0101", offset=0.101)
        incident = perform(live_city.services, DISPATCHER, incident["id"], "verify", incident["version"])
        perform(live_city.services, DISPATCHER, incident["id"], "dispatch", incident["version"],
                params={"department": department})
        page.wait_for_selector("#disp-notice.is-shown", timeout=LIVE_TIMEOUT)     # told at once
        wait_for_row(page, incident["id"])
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "day-operator-390x844-queue.png"))
        page.tap("#disp-notice")
        page.wait_for_selector("#disp-notice:not(.is-shown)", state="attached", timeout=LIVE_TIMEOUT)

        page.evaluate(f"(api => api.ensureNodeVisible(api.getRowNode('{incident['id']}')))(dash_ag_grid.getApi('disp-grid'))")
        page.tap(f"#disp-grid .ag-center-cols-container .ag-row[row-id='{incident['id']}'] .ag-cell[col-id='title']")
        page.wait_for_selector("#disp-actions [data-action='accept']", timeout=LIVE_TIMEOUT)
        assert page.is_visible("#disp-back")                                      # the case covers the list
        assert page.evaluate("!!document.elementFromPoint(195, 500).closest('#disp-detail')")
        small = page.evaluate("""() => [...document.querySelectorAll('#disp-detail button, .app-header a')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map(e => e.textContent.trim() + ' ' + Math.round(e.getBoundingClientRect().height))""")
        assert small == []
        page.tap("#disp-actions [data-action='accept']")
        feedback(page, "受理")
        page.wait_for_selector("#disp-actions [data-action='report_fixed']", timeout=LIVE_TIMEOUT)
        page.tap("#disp-actions [data-action='report_fixed']")
        page.wait_for_selector(".disp-form.is-open[data-action='report_fixed'] textarea", timeout=LIVE_TIMEOUT)
        page.fill(".disp-form.is-open[data-action='report_fixed'] textarea", "已更换井盖")
        page.tap(".disp-form.is-open .disp-submit")
        feedback(page, "处置完成")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "day-operator-390x844-case.png"))
        page.tap("#disp-back")
        page.wait_for_selector("#disp-detail.is-empty", state="attached", timeout=LIVE_TIMEOUT)
        page.wait_for_selector("#disp-grid .ag-root", timeout=LIVE_TIMEOUT)
        assert incident_queries.get_incident(live_city.services, DISPATCHER, incident["id"])["status"] == "fixed"

        # the operations page: their own open cases on the map and in the list, the city's figures named so
        page.tap(".app-nav a[href='/']")
        page.wait_for_selector(".ops-scope", timeout=FIRST_LOAD)
        assert "全市" in page.inner_text(".figures .section-title")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "day-operator-390x844-operations.png"))
    finally:
        context.close()


def test_the_operations_map_fits_the_city_at_every_size(live_city, new_page):
    for width, height in ((1024, 768), (1366, 1024), (1920, 1080)):
        page = new_page(width, height)
        sign_in_plain(page, live_city, "leader")
        page.goto(f"{live_city.url}")
        page.wait_for_selector(".ops-map .leaflet-overlay-pane path", timeout=FIRST_LOAD)
        page.wait_for_timeout(0)
        share = page.evaluate("""() => {
            const map = document.querySelector('.ops-map').getBoundingClientRect();
            let l = Infinity, t = Infinity, r = -Infinity, b = -Infinity;
            document.querySelectorAll('.ops-map .leaflet-overlay-pane path').forEach(p => {
                const x = p.getBoundingClientRect();
                if (x.width && x.height) { l = Math.min(l, x.left); t = Math.min(t, x.top); r = Math.max(r, x.right);
                                           b = Math.max(b, x.bottom); }
            });
            return Math.max((r - l) / map.width, (b - t) / map.height);
        }""")
        assert share > 0.8, (width, height, share)


@pytest.mark.parametrize("size", [(1024, 768), (1366, 1024)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_leader_on_a_tablet(live_city, browser, size):
    """This month to date against the same span before; the open cases overdue since earlier show; a tap
    keeps the table in view; no hint where rows cannot be tapped; 44 px targets; no setting names; a
    leader reads an incident's history."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    try:
        sign_in_plain(page, live_city, "leader")
        page.wait_for_url(re.compile(r"/review"), timeout=FIRST_LOAD)
        page.wait_for_selector(".rev-league tbody tr", timeout=FIRST_LOAD)
        assert "截至目前" in page.inner_text("#rev-period-note")
        assert "往期超期未结" in page.inner_text("#rev-tiles")
        assert "review_thresholds" not in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / f"day-review-{width}x{height}-zh.png"))
        small = page.evaluate("""() => [...document.querySelectorAll(
                '.lang-link, .logout-link, .leaflet-control-zoom a, .rev-btn, .rev-tile, .rev-crumb')]
            .filter(e => e.offsetParent !== null && (e.getBoundingClientRect().height < 44
                                                     || e.getBoundingClientRect().width < 44))
            .map(e => `${e.className} ${e.textContent.trim().slice(0, 12)} ${Math.round(e.getBoundingClientRect().width)}×${Math.round(e.getBoundingClientRect().height)}`)""")
        assert small == []

        settled(page)
        page.tap(".rev-league tbody tr:first-child")
        page.wait_for_function("() => document.querySelectorAll('#rev-crumbs .rev-crumb').length === 2",
                               timeout=LIVE_TIMEOUT)
        page.wait_for_function("() => { const r = document.getElementById('rev-league-title').getBoundingClientRect();"
                               " return r.top >= -1 && r.top < window.innerHeight; }", timeout=LIVE_TIMEOUT)
        assert page.is_visible("#rev-drill-hint")
        settled(page)
        page.tap(".rev-league tbody tr:first-child")
        page.wait_for_function("() => document.querySelectorAll('#rev-crumbs .rev-crumb').length === 3",
                               timeout=LIVE_TIMEOUT)
        page.wait_for_selector("#rev-drill-hint", state="hidden", timeout=LIVE_TIMEOUT)
        settled(page)
        page.tap("#rev-crumbs .rev-crumb >> nth=0")
        page.wait_for_function("() => document.querySelectorAll('#rev-crumbs .rev-crumb').length === 1",
                               timeout=LIVE_TIMEOUT)

        settled(page)
        page.tap('[id*="\\"key\\":\\"open_overdue\\""]')
        page.wait_for_selector("#rev-definition:not([hidden])", timeout=LIVE_TIMEOUT)
        page.tap("#rev-incidents-btn")
        page.wait_for_selector("#rev-incidents .rev-link-button", state="attached", timeout=LIVE_TIMEOUT)
        first = page.locator("#rev-incidents .rev-link-button").first
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"day-review-{width}x{height}-incidents.png"))
        first.tap()
        page.wait_for_selector("#rev-history li", timeout=LIVE_TIMEOUT)
        assert "上报" in page.inner_text("#rev-history")
    finally:
        context.close()


# On a Chinese screen the system composes no English (codes, units, AQI and the like aside).
ENGLISH_WORDS = re.compile(r"\b(?:incidents?|Overdue|Dispatch|Review|Operations|Reported|Open|Closed|Loading|"
                           r"Page not found|Back|Merge|Undo|Reject|Department|District|Category|Supervised|"
                           r"selected|None|No data|Live)\b")
COMPOSED_ENGLISH = """([allowed, pattern]) => {
    const re = new RegExp(pattern), out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || !node.textContent.trim() || el.closest(allowed) || el.closest('script, style')) { continue; }
        if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') { continue; }
        if (re.test(node.textContent)) { out.push(node.textContent.trim().slice(0, 40)); }
    }
    return out;
}"""


@pytest.mark.parametrize("path, ready", [("/", ".ops-map .leaflet-overlay-pane path"),
                                         ("/review", ".rev-league tbody tr")])
def test_each_language_composes_only_its_own_text(live_city, new_page, path, ready):
    for lang in ("en", "zh-CN"):
        page = new_page(1366, 1024)
        sign_in_plain(page, live_city, "admin", lang)
        page.wait_for_load_state()
        page.goto(f"{live_city.url.rstrip('/')}{path}?lang={lang}")
        page.wait_for_selector(ready, timeout=FIRST_LOAD)
        settled(page)
        if lang == "en":
            assert page.evaluate(COMPOSED_CHINESE, TYPED_OR_PLACES + ", .event-title, .rev-inc-table td") == []
        else:
            found = page.evaluate(COMPOSED_ENGLISH, [TYPED_OR_PLACES, ENGLISH_WORDS.pattern])
            assert found == []
        page.screenshot(path=str(SCREENSHOTS / f"day-{path.strip('/') or 'operations'}-1366x1024-{lang}.png"))


WALL_CHECK = """() => {
    const out = {clipped: [], free: [], legendPx: null, lastFeed: null, spacing: null};
    document.querySelectorAll('.wbox').forEach(box => {
        if (getComputedStyle(box).display === 'none') { return; }
        const b = box.getBoundingClientRect();
        const title = box.querySelector('.wbox-title');
        if (title && (title.getBoundingClientRect().top < b.top - 0.5 || title.getBoundingClientRect().height < 8)) {
            out.clipped.push('title ' + title.textContent);
        }
        const list = box.querySelector('.wbox-body');
        const rows = box.querySelectorAll('.wrow');
        if (list && rows.length) {
            const last = rows[rows.length - 1].getBoundingClientRect(), l = list.getBoundingClientRect();
            if (last.bottom > l.bottom + 1) { out.clipped.push('row ' + rows[rows.length - 1].textContent.slice(0, 20)); }
        }
    });
    document.querySelectorAll('#wall-top-roads .wrow .wchip').forEach(c => out.free.push(c.textContent));
    const legend = document.querySelector('.wall-map-area .map-legend li');
    if (legend) { out.legendPx = parseFloat(getComputedStyle(legend).fontSize); }
    const strip = document.querySelector('.wall-feeds');
    const items = strip ? [...strip.querySelectorAll('li, .wall-live')].filter(e => e.offsetParent !== null) : [];
    if (items.length) { out.lastFeed = items[items.length - 1].textContent.trim(); }
    const label = document.querySelector('.wall-map .district-label');
    if (label) { out.spacing = parseFloat(getComputedStyle(label).letterSpacing) || 0; }
    return out;
}"""


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_wall_lists_fit_and_read_from_across_the_room(live_city, new_page, size):
    width, height = size
    for lang in ("zh-CN", "en"):
        for scene in ("traffic", "environment", "emergency", "overview"):
            page = new_page(width, height)
            sign_in_plain(page, live_city, "admin", lang)
            page.wait_for_load_state()
            page.goto(f"{live_city.url}wall?scenes={scene}&lang={lang}")
            page.wait_for_selector(f".wall-page.scene-{scene}", timeout=FIRST_LOAD)
            page.wait_for_selector(".wall-live.is-live", timeout=FIRST_LOAD)
            page.wait_for_selector(".wall-map .district-label", timeout=FIRST_LOAD)
            found = page.evaluate(WALL_CHECK)
            assert found["clipped"] == [], (lang, scene, found["clipped"])
            assert not set(found["free"]) & {"畅通", "基本畅通", "Free flow", "Mostly free"}
            assert found["lastFeed"], "the feed strip ends with a labelled item"
            assert found["legendPx"] is None or found["legendPx"] >= 0.011 * width, found["legendPx"]
            if lang == "en":
                assert found["spacing"] < 0.05 * 19.2 * width / 1920, found["spacing"]
                composed = page.eval_on_selector_all("#wall-urgent-list .wrow-name, .spot-title",
                                                     "els => els.map(e => e.textContent.split(' · ')[0])")
                assert not [c for c in composed if CJK.search(c)], composed    # the category part is English
            page.screenshot(path=str(SCREENSHOTS / f"day-wall-{scene}-{width}x{height}-{lang}.png"))
            page.context.close()


def test_a_phoned_in_case_is_recorded_on_the_page(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    settled(page)
    page.click("#disp-phone-open")
    page.wait_for_selector("#disp-phone:not([hidden])", timeout=LIVE_TIMEOUT)
    page.click("#disp-phone-category")
    page.keyboard.type("井盖")
    page.locator("#disp-phone [role=option]").first.click()
    page.fill("#disp-phone-title", f"来电：井盖缺失 {tag}")
    page.fill("#disp-phone-name", "王先生")
    page.fill("#disp-phone-number", "13800001111")
    page.click("#disp-phone-submit")
    page.wait_for_function("() => document.getElementById('disp-phone-result').textContent.includes('已登记')",
                           timeout=LIVE_TIMEOUT)
    page.wait_for_function(f"() => (document.querySelector('#disp-detail-head') || {{}}).textContent"
                           f"?.includes({json.dumps(tag)})", timeout=LIVE_TIMEOUT)   # opened at once
    assert page.is_hidden("#disp-phone")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_admins_menu_never_wraps_on_a_narrow_desk_screen(live_city, new_page, lang):
    """Eight menu entries at 1280 px: each label stays on one line (the menu scrolls sideways if it must)
    and nothing in the header overlaps the city's name."""
    page = new_page(1280, 800)
    sign_in_plain(page, live_city, "admin", lang)
    page.wait_for_selector(".app-nav .nav-link", timeout=FIRST_LOAD)
    found = page.evaluate("""() => {
        const links = [...document.querySelectorAll('.app-nav .nav-link')];
        const city = document.querySelector('.brand-city').getBoundingClientRect();
        const nav = document.querySelector('.app-nav').getBoundingClientRect();
        const right = document.querySelector('.header-right').getBoundingClientRect();
        return {n: links.length,
                wrapped: links.filter(a => { const r = document.createRange(); r.selectNodeContents(a);
                                             const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
                                             return tops.size > 1; }).map(a => a.innerText),
                overlaps: nav.left < city.right - 1 || nav.right > right.left + 1};
    }""")
    assert found["n"] >= 8 and found["wrapped"] == [] and not found["overlaps"], found
