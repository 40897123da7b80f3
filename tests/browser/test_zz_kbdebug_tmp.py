import json, uuid
from tests.browser.test_day_at_work import *  # noqa
from tests.browser.test_day_at_work import DISPATCHER, sign_in_plain, FIRST_LOAD


def test_kbdebug(live_city, new_page):
    tag = uuid.uuid4().hex[:6]
    incident = record(live_city, f"供水管道漏水 键盘 {tag}", offset=0.091)
    incident = perform(live_city.services, DISPATCHER, incident["id"], "verify", incident["version"])
    page = new_page(1920, 1080)
    sign_in_plain(page, live_city, "dispatcher")
    page.wait_for_selector("#disp-grid .ag-center-cols-container .ag-row", timeout=FIRST_LOAD)
    page.fill("#disp-f-text", tag)
    wait_for_row(page, incident["id"])
    open_row(page, incident["id"])
    page.keyboard.press("Escape")
    page.locator("#disp-detail-head").click()
    page.keyboard.press("d")
    page.wait_for_selector(".disp-form.is-open[data-action='dispatch']", timeout=LIVE_TIMEOUT)
    target = live_city.services.city.departments[1]
    print("TARGET", target.code, target.name_zh)
    print("ACTIVE before type", page.evaluate("document.activeElement.tagName + '.' + document.activeElement.className"))
    page.keyboard.type(target.name_zh[:3])
    page.wait_for_selector(f"[role=option]:has-text('{target.name_zh}')", timeout=LIVE_TIMEOUT)
    print("ACTIVE after type", page.evaluate("document.activeElement.tagName + '.' + document.activeElement.className"))
    print("SEARCH", page.evaluate("document.querySelector('.dash-dropdown-search')?.value"))
    print("OPTIONS", page.evaluate("[...document.querySelectorAll('[role=option]')].map(o => o.textContent)"))
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    print("VALUE", page.evaluate("document.querySelector('.disp-form.is-open .dash-dropdown-value')?.textContent"))
    assert False
