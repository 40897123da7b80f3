"""Field work on a phone (issue 18), in headless Chromium at 390×844 with touch, against a really started
CityOps: an inspector reports with a real JPEG carrying EXIF GPS; the center verifies and dispatches;
the crew accepts and reports the fix with photos while the phone is offline, and the outbox sends both
once it is back online; the inspector checks on site with a photo; the dispatcher closes at the desk,
seeing the before and after photos. Nothing lost or doubled; no served photo carries GPS. Screenshots
of the phone pages in both languages are written to tests/browser/screenshots/."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.config import Settings
from dashboard.domain.identity import Identity
from dashboard.services import field
from dashboard.store import field as field_store, incidents as incident_store
from tests.browser.conftest import SCREENSHOTS, free_port
from tests.support import photos

pytestmark = pytest.mark.browser

PASSWORD = "field work is street work"
ADMIN = Identity("root", "admin", via="cli")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WAIT = 20_000


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from dashboard.runtime import Runtime
    from dashboard.services.auth import AuthService
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("field")), port=free_port(),
                       push_port=free_port(), seed=7, demo_workforce=False, demo_history_days=0,
                       field_verify_categories="*")            # every close needs a passed check here
    runtime = Runtime(settings, web=True, push=True, connectors=False, demo=True).start()
    svc = runtime.services
    AuthService(svc).add_user(ADMIN, "insp", "inspector", None, PASSWORD, display_name="赵监督")
    field.set_beat(svc, ADMIN, "insp", [d.code for d in svc.city.districts], [])
    yield runtime
    runtime.stop()


def logins(runtime) -> dict[str, str]:
    return runtime.demo_logins or dict(
        line.rstrip("\n").split("\t") for line in open(runtime.demo_logins_file) if not line.startswith("#"))


def phone(browser, runtime, username, password, lang="zh-CN", lonlat=None):
    lon, lat = lonlat or runtime.services.city.center
    context = browser.new_context(**PHONE, locale=lang, geolocation={"latitude": lat, "longitude": lon},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    # the hardened CSP (dashboard/web/headers.py) must let the page, its worker and the camera input run
    page.on("console", lambda m: "Content Security Policy" in m.text and page.errors.append(m.text))
    page.goto(f"{runtime.url}login?lang={lang}&next=/field")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#field-root", timeout=WAIT)
    page.wait_for_selector("#field-tabs .field-tab", timeout=WAIT)
    return context, page


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"field-{name}.png"), full_page=False)


def all_sent(page, sent: int):
    """The outbox is empty and `sent` items went out since the page opened."""
    page.wait_for_selector(f"#field-status[data-sent='{sent}'] .field-waiting[data-waiting='0']", timeout=WAIT)


def api(page, runtime, method, path, body=None):
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_csrf_token")
    answer = page.request.fetch(f"{runtime.url.rstrip('/')}{path}", method=method, data=json.dumps(body) if body else None,
                                headers={"X-CSRFToken": csrf, "Content-Type": "application/json"})
    assert answer.ok, answer.text()
    return answer.json()


def now_local():
    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)


def file(name, data):
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def test_the_loop_from_the_street_and_back(browser, city):
    svc = city.services
    lon, lat = svc.city.center
    cat = next(c for c in svc.city.categories if c.domain.lower() == "component" and svc.city.can_file(c.code))
    department = svc.city.departments[0].code

    # 1. the inspector reports with a real JPEG carrying EXIF GPS
    ictx, ipage = phone(browser, city, "insp", PASSWORD)
    # installable: the manifest and a service worker at the /field scope
    assert ipage.evaluate("() => navigator.serviceWorker.ready.then(r => new URL(r.scope).pathname)") == "/field"
    assert ipage.evaluate("() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
                          ".then(m => [m.start_url, m.display])") == ["/field", "standalone"]
    ipage.wait_for_selector(".field-cat", timeout=WAIT)
    shot(ipage, "report-empty-zh")
    ipage.fill("#field-cat-search", cat.name_zh[:2])
    ipage.tap(f".field-cat[data-code='{cat.code}']")
    ipage.wait_for_selector("#field-cat-chosen")
    report_jpeg = photos.jpeg(lat + 0.0003, lon + 0.0003, now_local(), size=(1280, 960), label="report")
    assert photos.has_gps(report_jpeg)
    ipage.set_input_files("input.field-file[data-field='photo']", files=[file("IMG_0001.jpg", report_jpeg)])
    ipage.tap("#field-locate")
    ipage.wait_for_function("() => /\\d+\\.\\d{5}, \\d+\\.\\d{5}/.test(document.querySelector('#field-coords').textContent)",
                            timeout=WAIT)
    ipage.tap("#field-map")                        # a tap on the map adjusts the position
    ipage.fill("#field-desc", "井盖破损，有行人绊倒风险")
    shot(ipage, "report-filled-zh")
    ipage.tap("#field-report-submit")
    all_sent(ipage, 1)
    with svc.store.read() as conn:
        mine = field_store.reports_by(conn, "insp")
        assert len(mine) == 1
        case = mine[0]
        shots = field_store.evidence_of(conn, case["id"])
    assert case["source"] == "inspector" and case["category"] == cat.code and case["status"] == "reported"
    assert [e["stage"] for e in shots] == ["report"]
    assert abs(shots[0]["lat"] - (lat + 0.0003)) < 1e-5 and abs(shots[0]["lon"] - (lon + 0.0003)) < 1e-5   # read from EXIF
    ipage.tap("#field-tabs [data-tab='mine']")
    ipage.wait_for_selector(f"#field-mine [data-id='{case['id']}'] img", timeout=WAIT)
    shot(ipage, "mine-zh")

    # 2. the center verifies and dispatches (the dispatcher's session, desk-sized)
    dctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    dpage = dctx.new_page()
    dpage.goto(f"{city.url}login?lang=zh-CN&next=/dispatch")
    dpage.fill("#login-username", "dispatcher")
    dpage.fill("#login-password", logins(city)["dispatcher"])
    dpage.click("#login-submit")
    dpage.wait_for_selector("#disp-grid", timeout=WAIT)
    view = api(dpage, city, "POST", f"/api/v1/incidents/{case['id']}/actions", {"action": "verify", "version": case["version"]})
    view = api(dpage, city, "POST", f"/api/v1/incidents/{case['id']}/actions",
               {"action": "dispatch", "version": view["version"], "department": department})
    assert view["status"] == "dispatched"

    # 3. the crew, offline: accept, then report the fix with before/after photos; back online, both go once
    operator = f"op-{department.lower()}"
    cctx, cpage = phone(browser, city, operator, logins(city)[operator])
    card = f"#field-tasks [data-id='{case['id']}']"
    cpage.wait_for_selector(f"{card} [data-action='accept']", timeout=WAIT)
    shot(cpage, "tasks-zh")
    cctx.set_offline(True)
    cpage.wait_for_selector("#field-status.is-offline", timeout=WAIT)
    cpage.tap(f"{card} [data-action='accept']")
    cpage.wait_for_selector("#field-status .field-waiting[data-waiting='1']", timeout=WAIT)
    cpage.wait_for_selector(f"{card}.is-pending", timeout=WAIT)
    with svc.store.read() as conn:
        assert incident_store.get(conn, case["id"])["status"] == "dispatched"   # nothing left the phone
    fixed_at = now_local() + timedelta(minutes=1)
    before = photos.jpeg(lat + 0.0003, lon + 0.0003, fixed_at, label="before", colour=(150, 60, 40))
    after = photos.jpeg(lat + 0.0003, lon + 0.0003, fixed_at, label="after", colour=(40, 150, 60))
    open_fixed_form(cpage, card)
    cpage.set_input_files(f"{card} input.field-file[data-field='before']", files=[file("before.jpg", before)])
    cpage.set_input_files(f"{card} input.field-file[data-field='after']", files=[file("after.jpg", after)])
    cpage.fill(f"{card} textarea[name='note']", "已更换井盖")
    cpage.tap(f"{card} .field-send")
    cpage.wait_for_selector("#field-status .field-waiting[data-waiting='2']", timeout=WAIT)
    shot(cpage, "offline-waiting-zh")
    with svc.store.read() as conn:
        assert incident_store.get(conn, case["id"])["status"] == "dispatched"
    cctx.set_offline(False)
    all_sent(cpage, 2)
    with svc.store.read() as conn:
        now = incident_store.get(conn, case["id"])
        actions = [h["action"] for h in incident_store.history(conn, case["id"])]
    assert now["status"] == "fixed"
    assert actions == ["report", "verify", "dispatch", "accept", "report_fixed"]    # each once, in order

    # 4. the center asks for the check; the inspector passes it with a photo
    view = api(dpage, city, "POST", f"/api/v1/incidents/{case['id']}/actions",
               {"action": "request_verification", "version": now["version"]})
    assert view["details"]["verification"]["inspector"] == "insp"
    ipage.tap("#field-tabs [data-tab='verify']")
    vcard = f"#field-tasks [data-id='{case['id']}']"
    ipage.wait_for_selector(f"{vcard} [data-action='verify_pass']", timeout=WAIT)
    ipage.wait_for_selector(f"{vcard} .field-ba img", timeout=WAIT)
    shot(ipage, "verify-zh")
    ipage.tap(f"{vcard} [data-action='verify_pass']")
    check = photos.jpeg(lat + 0.0003, lon + 0.0003, now_local() + timedelta(minutes=2), label="check")
    ipage.set_input_files(f"{vcard} input.field-file[data-field='photo']", files=[file("check.jpg", check)])
    ipage.tap(f"{vcard} .field-send")
    all_sent(ipage, 2)
    with svc.store.read() as conn:
        assert incident_store.get(conn, case["id"])["details"]["verification"]["state"] == "passed"

    # 5. the dispatcher closes, seeing before and after side by side
    dpage.goto(f"{city.url}dispatch?incident={case['id']}")
    dpage.wait_for_selector(".ev-panel .ev-before img", timeout=WAIT)
    dpage.wait_for_function("""() => {
        const imgs = [...document.querySelectorAll('.ev-panel img')];
        return imgs.length >= 4 && imgs.every(i => i.complete && i.naturalWidth > 0);
    }""", timeout=WAIT)
    assert dpage.locator(".ev-before .ev-photo").count() == 2 and dpage.locator(".ev-after .ev-photo").count() == 2
    assert dpage.locator(".ev-check-passed").count() == 1
    dpage.screenshot(path=str(SCREENSHOTS / "field-desk-evidence.png"))
    dpage.wait_for_selector("#disp-actions [data-action='close']", timeout=WAIT)
    dpage.click("#disp-actions [data-action='close']")
    for _ in range(100):
        with svc.store.read() as conn:
            final = incident_store.get(conn, case["id"])
        if final["status"] == "closed":
            break
        dpage.wait_for_timeout(100)
    assert final["status"] == "closed"

    # nothing lost or doubled; no served photo carries GPS
    with svc.store.read() as conn:
        stages = sorted(e["stage"] for e in field_store.evidence_of(conn, case["id"]))
        ids = [e["id"] for e in field_store.evidence_of(conn, case["id"])]
        actions = [h["action"] for h in incident_store.history(conn, case["id"])]
    assert stages == ["after", "before", "report", "verify"]
    assert actions == ["report", "verify", "dispatch", "accept", "report_fixed", "request_verification", "verify_pass", "close"]
    for evidence_id in ids:
        served = dpage.request.get(f"{city.url}api/v1/evidence/{evidence_id}")
        assert served.ok and served.headers["content-type"] == "image/jpeg"
        assert not photos.has_gps(served.body())
    assert not ipage.errors and not cpage.errors

    # 6. the phone pages in English too (with a new task for the crew)
    from dashboard.services import intake
    from dashboard.services.incident_actions import perform
    desk = Identity("dispatcher", "dispatcher")
    fresh = intake.record_manual(svc, desk, {"category": cat.code, "title": "Street light out", "lat": lat + 0.002,
                                             "lon": lon + 0.002, "address": "中山路 12 号"})
    fresh = perform(svc, desk, fresh["id"], "verify", fresh["version"])
    perform(svc, desk, fresh["id"], "dispatch", fresh["version"], params={"department": department, "priority": 1})
    ipage.goto(f"{city.url}field?lang=en")
    ipage.wait_for_selector("#field-tabs .field-tab", timeout=WAIT)
    ipage.wait_for_selector(".field-cat", timeout=WAIT)
    shot(ipage, "report-empty-en")
    ipage.tap("#field-tabs [data-tab='mine']")
    ipage.wait_for_selector("#field-mine img", timeout=WAIT)
    shot(ipage, "mine-en")
    cpage.goto(f"{city.url}field?lang=en")
    cpage.wait_for_selector(f"#field-tasks [data-id='{fresh['id']}'] [data-action='accept']", timeout=WAIT)
    shot(cpage, "tasks-en")
    for c in (ictx, cctx, dctx):
        c.close()


def open_fixed_form(page, card):
    """The queued case is accepted on the phone; its report_fixed form opens from the card's button."""
    page.wait_for_selector(f"{card} [data-action='report_fixed']", timeout=WAIT)
    page.tap(f"{card} [data-action='report_fixed']")
    page.wait_for_selector(f"{card} .field-action-form", timeout=WAIT)


def test_a_conflict_made_while_offline_is_shown_as_on_the_desk(browser, city):
    """The crew accepts offline while the center changes the case; back online, the phone shows the
    refusal with what changed (who, which action, the new state), and keeps it until discarded."""
    from dashboard.services import intake
    from dashboard.services.incident_actions import perform
    svc = city.services
    lon, lat = svc.city.center
    department = svc.city.departments[0].code
    desk = Identity("dispatcher", "dispatcher")
    case = intake.record_manual(svc, desk, {"category": "0101", "title": "井盖移位", "lat": lat, "lon": lon})
    case = perform(svc, desk, case["id"], "verify", case["version"])
    case = perform(svc, desk, case["id"], "dispatch", case["version"], params={"department": department})
    operator = f"op-{department.lower()}"
    ctx, page = phone(browser, city, operator, logins(city)[operator])
    card = f"#field-tasks [data-id='{case['id']}']"
    page.wait_for_selector(f"{card} [data-action='accept']", timeout=WAIT)
    ctx.set_offline(True)
    page.wait_for_selector("#field-status.is-offline", timeout=WAIT)
    page.tap(f"{card} [data-action='accept']")
    page.wait_for_selector("#field-status .field-waiting[data-waiting='1']", timeout=WAIT)
    perform(svc, desk, case["id"], "reprioritize", case["version"], params={"priority": 1}, reason="学校门口")
    ctx.set_offline(False)
    problem = page.wait_for_selector("#field-status .field-problem", timeout=WAIT)
    text = problem.text_content()
    assert "案件已被他人更改" in text and "dispatcher" in text and "调整等级" in text and "学校门口" in text
    page.wait_for_selector("#field-status .field-waiting[data-waiting='0']", timeout=WAIT)
    page.wait_for_selector(f"{card}[data-status='dispatched']:not(.is-pending) [data-action='accept']", timeout=WAIT)
    shot(page, "conflict-zh")
    with svc.store.read() as conn:
        assert incident_store.get(conn, case["id"])["status"] == "dispatched"   # the stale accept did nothing
    page.tap("#field-status .field-problem button")
    page.wait_for_selector("#field-status .field-problem", state="detached", timeout=WAIT)
    assert not page.errors
    ctx.close()


def test_the_demo_inspector_sees_the_district_outlines_without_tiles(browser, city):
    """No tile archive installed: the phone's map is the city's district outlines as CityOps serves them,
    each named; the demo inspector's beat stands out, the line above the map says which districts it holds
    and then where the pin is; located, the district around the fix is in sight; a tap moves the pin, not
    the view."""
    from dashboard.domain.geo import point_in_polygon
    svc = city.services
    with svc.store.read() as conn:
        beat = field_store.beat(conn, "inspector")["district"]
    assert 1 <= len(beat) <= 2                         # the demo's inspector login has a beat
    by_code = {d.code: d for d in svc.city.districts}
    lon, lat = svc.city.center
    here = next(d for d in svc.city.districts if point_in_polygon((lon, lat), d.geometry))
    for lang, beat_word in (("zh-CN", "我的责任区"), ("en", "my beat")):
        ctx, page = phone(browser, city, "inspector", logins(city)["inspector"], lang=lang)
        page.wait_for_selector("#field-map path.field-map-district", timeout=WAIT)
        assert page.locator("#field-map path.field-map-district").count() == len(svc.city.districts)
        codes = page.locator("#field-map path.is-beat").evaluate_all("els => els.map(e => e.dataset.code)")
        assert sorted(codes) == sorted(beat)
        assert sorted(page.locator("#field-map text.field-map-name.is-beat").all_text_contents()) == \
            sorted(by_code[c].name(lang) for c in beat)
        where = page.text_content("#field-map-where")
        assert all(by_code[c].name(lang) in where for c in beat)
        page.locator("#field-map").scroll_into_view_if_needed()
        shot(page, f"map-beat-{lang[:2]}")
        page.tap("#field-locate")                      # the phone is at the city's centre
        expected = f"{here.name(lang)}" + (f" · {beat_word}" if here.code in beat else "")
        page.wait_for_selector(f"#field-map-where:text-is('{expected}')", timeout=WAIT)
        page.wait_for_selector("#field-map .field-map-pin", timeout=WAIT)
        crosses = page.eval_on_selector(f"#field-map path[data-code='{here.code}']", """p => {
            const b = p.getBBox();   // the outline is in sight: the view does not lie wholly inside it
            return !(b.x <= 0 && b.y <= 0 && b.x + b.width >= 360 && b.y + b.height >= 220);
        }""")
        assert crosses
        before = page.get_attribute(f"#field-map path[data-code='{here.code}']", "d")
        fix = page.text_content("#field-coords")
        page.tap("#field-map", position={"x": 60, "y": 60})
        page.wait_for_function("fix => document.querySelector('#field-coords').textContent !== fix", arg=fix,
                               timeout=WAIT)
        assert page.get_attribute(f"#field-map path[data-code='{here.code}']", "d") == before   # the view stayed
        shot(page, f"map-located-{lang[:2]}")
        assert not page.errors
        ctx.close()
