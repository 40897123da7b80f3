"""The Dispatch page in headless Chromium against a really started CityOps (demo city at speed, push
relay, web): the closed loop between a dispatcher and a department operator in two browsers, a
version conflict between two dispatchers, department scoping, and a queue that takes live rows
without losing the person's place. Incidents are recorded through the intake service, so each
test knows exactly what it acts on."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import incident_queries, intake
from dashboard.services.incident_actions import perform

pytestmark = pytest.mark.browser

DISPATCHER = Identity("dispatcher", "dispatcher")
WATER = "water"            # a demo operator's department (op-water); category 0104 routes there
LIVE_TIMEOUT = 10_000      # ms: "within a second" with generous room for a loaded test machine
# Other pages' callbacks listen to the shared live connection too; the renderer reports their
# absent outputs on this page. Those messages are about other pages, not this one.
OTHER_PAGES = re.compile(r"A nonexistent object was used in an `Output`.*The id of this object is `(?!disp-)")


def sign_in(page, runtime, username: str, lang: str = "zh-CN") -> None:
    logins = runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))
    page.goto(f"{runtime.url}login?lang={lang}&next=/dispatch")
    page.fill("#login-username", username)
    page.fill("#login-password", logins[username])
    page.click("#login-submit")
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    page.evaluate("window.__notReloaded = true")


def own_errors(page) -> list[str]:
    return [e for e in page.console_errors if not OTHER_PAGES.search(e)]


def record(runtime, title: str, category: str = "0104", offset: float = 0.0, priority: int | None = None) -> dict:
    lon, lat = runtime.services.city.center
    return intake.record_manual(runtime.services, DISPATCHER, {
        "category": category, "title": title, "description": f"{title}：路面有水冒出",
        "lat": lat + offset, "lon": lon + offset, "reporter_name": "张三丰", "reporter_phone": "13812345678",
        **({"priority": priority} if priority is not None else {})})


def wait_for_grid(page, condition: str) -> None:
    """Wait until the grid's API is there and `condition` (JS, with `api` bound) holds: never call the
    API before the grid is ready, never wait for a length of time (issue 17, item 18)."""
    page.wait_for_function(f"""() => {{
        let api = null;
        try {{ api = window.dash_ag_grid && dash_ag_grid.getApi('disp-grid'); }} catch (e) {{ return false; }}
        if (!api || (api.isDestroyed && api.isDestroyed())) return false;
        try {{ return !!({condition}); }} catch (e) {{ return false; }}
    }}""", timeout=LIVE_TIMEOUT, polling=100)


def wait_for_row(page, incident_id: int, status_label: str | None = None) -> None:
    wait_for_grid(page, f"api.getRowNode('{incident_id}') "
                        + (f"&& api.getRowNode('{incident_id}').data.status_label === {json.dumps(status_label)}"
                           if status_label else ""))


def open_row(page, incident_id: int) -> None:
    page.evaluate(f"(api => api.ensureNodeVisible(api.getRowNode('{incident_id}')))(dash_ag_grid.getApi('disp-grid'))")
    page.click(f"#disp-grid .ag-center-cols-container .ag-row[row-id='{incident_id}'] .ag-cell[col-id='title']")
    page.wait_for_function(f"() => (document.querySelector('#disp-detail-head') || {{}}).textContent"
                           f"?.includes({json.dumps(str(incident_id))})", timeout=LIVE_TIMEOUT, polling=100)


def act(page, key: str, action: str) -> None:
    """Press an action's key once its button is there (the detail shows the actions allowed now)."""
    page.wait_for_selector(f"#disp-actions [data-action='{action}']", timeout=LIVE_TIMEOUT)
    page.keyboard.press(key)


def feedback(page, expected: str, css: str = ".disp-msg-ok") -> str:
    """The message an action left, once it says `expected`."""
    page.wait_for_function(f"() => [...document.querySelectorAll('#disp-feedback {css}')]"
                           f".some(e => e.textContent.includes({json.dumps(expected)}))", timeout=LIVE_TIMEOUT,
                           polling=100)
    return page.inner_text("#disp-feedback")


def history(runtime, incident_id: int) -> list[str]:
    return [h["action"] for h in incident_queries.incident_history(runtime.services, DISPATCHER, incident_id)]


def test_the_closed_loop_between_a_dispatcher_and_a_department(live_city, new_page):
    title = f"供水管道漏水 闭环 {uuid.uuid4().hex[:6]}"
    dispatcher, operator = new_page(1920, 1080), new_page(1920, 1080)
    sign_in(dispatcher, live_city, "dispatcher")
    sign_in(operator, live_city, f"op-{WATER}")
    incident = record(live_city, title)
    code = incident["code"]

    # the dispatcher verifies and dispatches (keyboard: v, then d opens the form on the department)
    wait_for_row(dispatcher, incident["id"])
    open_row(dispatcher, incident["id"])
    act(dispatcher, "v", "verify")
    feedback(dispatcher, "核实立案")
    assert code in dispatcher.inner_text("#disp-detail-head")
    act(dispatcher, "d", "dispatch")
    dispatcher.wait_for_selector(".disp-form.is-open[data-action='dispatch']")
    department = dispatcher.inner_text(".disp-form.is-open .dash-dropdown-value")
    assert "水务" in department                                # the routing suggestion is preselected
    dispatcher.keyboard.press("Control+Enter")
    feedback(dispatcher, "派遣")

    # the operator sees it arrive live, accepts, reports progress and the fix
    wait_for_row(operator, incident["id"], "任务派遣")
    open_row(operator, incident["id"])
    assert "张**" in operator.inner_text("#disp-record") and "138****5678" in operator.inner_text("#disp-record")
    act(operator, "a", "accept")
    feedback(operator, "受理")
    act(operator, "f", "report_fixed")
    operator.wait_for_selector(".disp-form.is-open[data-action='report_fixed'] textarea")
    operator.fill(".disp-form.is-open[data-action='report_fixed'] textarea", "已关阀抢修，路面恢复")
    operator.fill(".disp-form.is-open[data-action='report_fixed'] input[type='url']", "https://example.org/fixed.jpg")
    operator.keyboard.press("Control+Enter")
    feedback(operator, "处置完成")

    # the dispatcher sees the change live (queue row and a banner on the open detail) and closes it
    wait_for_row(dispatcher, incident["id"], "处理反馈")
    dispatcher.wait_for_selector("#disp-stale:not(.disp-hidden)", timeout=LIVE_TIMEOUT)
    dispatcher.click("#disp-stale-reload")
    act(dispatcher, "c", "close")
    feedback(dispatcher, "核查结案")
    # closed: it leaves the queue of work that needs a dispatcher (the view it opens on), the detail stays
    wait_for_grid(dispatcher, f"!api.getRowNode('{incident['id']}')")
    assert "已关阀抢修" in dispatcher.inner_text("#disp-timeline")

    assert history(live_city, incident["id"]) == ["report", "verify", "dispatch", "accept", "report_fixed", "close"]
    for page in (dispatcher, operator):
        assert page.evaluate("window.__notReloaded === true")      # everything arrived live
        assert own_errors(page) == []


def test_a_version_conflict_is_shown_and_nothing_is_overwritten(live_city, new_page):
    incident = record(live_city, f"供水管道漏水 冲突 {uuid.uuid4().hex[:6]}", offset=0.002)
    first, second = new_page(1920, 1080), new_page(1920, 1080)
    for page, user in ((first, "dispatcher"), (second, "dispatcher2")):
        sign_in(page, live_city, user)
        wait_for_row(page, incident["id"])
        open_row(page, incident["id"])
    seen = second.evaluate("document.querySelector('#disp-detail-head .disp-version').textContent")

    act(first, "v", "verify")
    feedback(first, "核实立案")
    second.wait_for_selector("#disp-stale:not(.disp-hidden)", timeout=LIVE_TIMEOUT)   # told at once
    act(second, "r", "reject")                                   # acts on what it saw anyway
    second.fill(".disp-form.is-open[data-action='reject'] textarea", "不属于城管范围")
    second.click(".disp-form.is-open .disp-submit")
    message = feedback(second, "没有覆盖任何内容", ".disp-msg-conflict")
    assert "dispatcher" in message and "核实立案" in message
    second.wait_for_function(f"document.querySelector('#disp-detail-head .disp-version').textContent !== {seen!r}")
    assert second.query_selector("#disp-actions [data-action='reject']") is None   # refreshed: verified now

    now = incident_queries.get_incident(live_city.services, DISPATCHER, incident["id"])
    assert now["status"] == "verified" and now["version"] == incident["version"] + 1
    assert history(live_city, incident["id"]) == ["report", "verify"]
    assert own_errors(second) == []


def test_an_operator_sees_only_its_own_department(live_city, new_page):
    ours = record(live_city, f"供水管道漏水 本部门 {uuid.uuid4().hex[:6]}", offset=0.004)
    theirs = record(live_city, f"火灾 其他部门 {uuid.uuid4().hex[:6]}", category="1202", offset=0.006)
    for row, department in ((ours, WATER), (theirs, "fire")):
        row = perform(live_city.services, DISPATCHER, row["id"], "verify", row["version"])
        perform(live_city.services, DISPATCHER, row["id"], "dispatch", row["version"],
                params={"department": department})
    page = new_page(1366, 768)
    sign_in(page, live_city, f"op-{WATER}")
    wait_for_row(page, ours["id"])
    departments = page.evaluate("(() => { const d = new Set(); dash_ag_grid.getApi('disp-grid')"
                                ".forEachNode(n => d.add(n.data.department)); return [...d]; })()")
    assert departments == [WATER]
    assert page.locator("#disp-f-department").is_hidden()
    assert "水务" in page.inner_text(".disp-scope")

    answer = page.evaluate(f"fetch('/api/v1/incidents/{theirs['id']}').then(async r => [r.status, await r.json()])")
    assert answer[0] == 403 and str(theirs["id"]) not in json.dumps(answer[1])
    page.evaluate(f"window.dash_clientside.set_props('disp-current', {{data: {{id: {theirs['id']}}}}})")
    feedback(page, "不允许", ".disp-msg-error")                   # the detail's callback refuses too
    assert "火灾" not in page.inner_text("#disp-detail")
    assert [e for e in own_errors(page) if "403 (FORBIDDEN)" not in e] == []   # the 403 asked for above


def test_the_queue_keeps_scroll_selection_and_filters_when_an_incident_arrives(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    for n in range(40):
        record(live_city, f"队列 {tag} {n:02d}", offset=0.01 + n * 0.001)
    page = new_page(1920, 1080)
    callbacks = []
    page.on("response", lambda r: "/_dash-update-component" in r.url and callbacks.append(r))
    sign_in(page, live_city, "dispatcher")
    page.fill("#disp-f-text", tag)                                 # a filter: only this test's rows
    wait_for_grid(page, "api.getDisplayedRowCount() === 40")
    page.click("#disp-grid .ag-row[row-index='5'] .ag-selection-checkbox input, "
               "#disp-grid .ag-row[row-index='5'] input[type='checkbox']")
    page.click("#disp-grid .ag-row[row-index='7'] input[type='checkbox']")
    page.click("#disp-grid .ag-row[row-index='6'] .ag-cell[col-id='title']")
    page.mouse.move(600, 600)
    page.mouse.wheel(0, 400)
    wait_for_grid(page, "document.querySelector('#disp-grid .ag-body-viewport').scrollTop > 0 "
                        "&& api.getFirstDisplayedRowIndex() > 0")     # scrolled, and the grid has drawn it
    before = page.evaluate(VIEW_STATE)
    assert before["top"] > 0 and len(before["selected"]) == 2 and before["current"]
    callbacks.clear()

    # The queue (待我处理) is most urgent first, then the longest waiting: a newer incident of the same
    # priority goes last, a more urgent one goes on top, above what the person is looking at.
    assert page.evaluate("dash_ag_grid.getApi('disp-grid').getDisplayedRowAtIndex(0).data.priority") > 1
    arrived = record(live_city, f"队列 {tag} new", offset=0.05, priority=1)
    wait_for_row(page, arrived["id"])
    wait_for_grid(page, f"api.getDisplayedRowCount() === 41 && document.querySelector('#disp-grid "
                        f".ag-body-viewport').scrollTop >= {before['top']} + api.getDisplayedRowAtIndex(0).rowHeight - 1")
    after = page.evaluate(VIEW_STATE)
    assert after["first"] == before["first"] and abs(after["offset"] - before["offset"]) <= 1   # same rows in view
    assert after["top"] == pytest.approx(before["top"] + after["rowHeight"], abs=1)          # the new row went above
    assert after["selected"] == before["selected"] and after["current"] == before["current"]
    assert after["count"] == 41 and page.input_value("#disp-f-text") == tag
    assert page.evaluate("dash_ag_grid.getApi('disp-grid').getDisplayedRowAtIndex(0).id") == str(arrived["id"])
    bodies = [r.text() for r in callbacks if r.ok and r.status != 204]   # 204: nothing to update, no body
    # only the difference travels (a row transaction the page applies), never the whole rows again
    assert any('"disp-tx"' in b and '"tx"' in b for b in bodies) and not any('"rowData"' in b for b in bodies)
    assert own_errors(page) == []


VIEW_STATE = """() => {
    const api = dash_ag_grid.getApi('disp-grid');
    const vp = document.querySelector('#disp-grid .ag-body-viewport');
    let first = null;
    for (let i = api.getFirstDisplayedRowIndex(); i <= api.getLastDisplayedRowIndex(); i++) {
        const n = api.getDisplayedRowAtIndex(i);
        if (n.rowTop + n.rowHeight > vp.scrollTop) { first = n; break; }
    }
    return {top: vp.scrollTop, first: first.id, offset: vp.scrollTop - first.rowTop, rowHeight: first.rowHeight,
            selected: api.getSelectedNodes().map(n => n.id).sort(), current: window.cityopsDispatch.current(),
            count: api.getDisplayedRowCount()};
}"""


def test_a_row_transaction_applies_only_what_still_fits_the_grid(live_city, new_page):
    """The server makes a transaction from the index the grid held when it was asked; a whole reload may
    have replaced the rows meanwhile. An update or removal of a row the grid no longer holds is not sent
    to the grid (AG Grid would fail with error #4), a transaction made for other filters is dropped, and
    the index is read back from the grid."""
    page = new_page(1920, 1080)
    sign_in(page, live_city, "dispatcher")
    wait_for_grid(page, "api.getDisplayedRowCount() > 0")
    result = page.evaluate("""() => {
        const api = dash_ag_grid.getApi('disp-grid');
        const first = api.getDisplayedRowAtIndex(0).data;
        const apply = window.dash_clientside.dispatch.applyRows;
        const before = api.getDisplayedRowCount();
        const gone = {...first, id: 987654321, row_id: '987654321', title: 'gone meanwhile'};
        const stale = apply({tx: {update: [gone], remove: [{row_id: '987654320'}]}, filters: ['a', null]}, 'a', null);
        const added = api.getRowNode('987654321') !== undefined;
        api.applyTransaction({remove: [{row_id: '987654321'}]});
        const other = apply({tx: {add: [{...gone, row_id: '987654322', id: 987654322}]}, filters: ['b']}, 'c');
        return {before, after: api.getDisplayedRowCount(), added, staleKeys: Object.keys(stale).length,
                otherKeys: Object.keys(other).length, held: api.getRowNode('987654322') !== undefined};
    }""")
    # the update of a row it did not hold became an add (it belongs to these filters), the removal was skipped
    assert result["added"] and result["staleKeys"] == result["before"] + 1
    assert not result["held"] and result["otherKeys"] == result["after"] == result["before"]   # other filters
    assert own_errors(page) == []
