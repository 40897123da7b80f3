"""The Feeds and Audit log pages in headless Chromium against a really started CityOps (demo city,
connectors, ingest, push relay, web): every feed ok; a connector that stops turns stale, one pointed
at a dead address turns down, on the Feeds page and on the Operations page's feed strip, live; dead
letters with the raw payload for an admin and without it (not even on the wire) for a dispatcher;
the audit log lists the admin's sign-in, and a leader gets 403 for it."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from dashboard.config import Settings
from tests.browser.conftest import free_port
from tests.browser.test_operations_page import LOCAL, watch

pytestmark = pytest.mark.browser

STALE_AFTER = 4.0
SECRET = '{"service_request_id": "777", "reporter_phone": "13900001111", "lat": "north of the river"}'
REASON = "lat is not a number (requests[0].lat)"
ALL_FEEDS = ("cap", "gtfs_rt", "open311", "sensorthings", "traffic")


class Cap:
    """The CAP connector, run here on its own stop event so a test can stop it (or swap it)."""

    def __init__(self, runtime) -> None:
        self.runtime, self.stop_event, self.thread = runtime, None, None

    def start(self, url: str, **options) -> None:
        from connectors.cap import CapConnector
        connector = CapConnector(url, **options)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=connector.run, args=(self.stop_event, self.runtime.ingest),
                                       name="test-cap", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread:
            self.stop_event.set()
            self.thread.join(10)
            self.thread = None


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from dashboard.runtime import Runtime
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops-feeds")), port=free_port(),
                       push_port=free_port(), demo_speed=20.0, poll_seconds=1.0, seed=7,
                       stale_after_seconds=STALE_AFTER, connectors="open311,traffic,gtfs_rt,sensorthings")
    runtime = Runtime(settings, web=True, push=True, connectors=True, demo=True).start()
    cap = Cap(runtime)
    cap.start(runtime.settings.cap_url, poll_seconds=1.0, timeout=5.0)
    runtime.ingest.dead_letter("open311", SECRET, REASON)
    runtime.cap = cap
    yield runtime
    cap.stop()
    runtime.stop()


def sign_in(page, runtime, username: str, path: str = "/", lang: str = "zh-CN"):
    """Sign in and land on `path` (no waiting for the Operations map); the landing response."""
    page.goto(f"{runtime.url}login?lang={lang}&next={path}")
    page.fill("#login-username", username)
    page.fill("#login-password", runtime.demo_logins[username])
    with page.expect_navigation() as landing:
        page.click("#login-submit")
    return landing.value


def open_feeds(page, runtime, username: str, lang: str = "zh-CN") -> None:
    sign_in(page, runtime, username, "/feeds", lang)
    page.wait_for_selector(".feed-card", timeout=15_000)


def card_state(connector: str) -> str:
    return f"#feeds-card-{connector}"


def wait_states(page, states: dict[str, str], timeout: float = 20_000) -> None:
    checks = " && ".join(f"(document.querySelector('#feeds-card-{c}') || {{}}).dataset?.state === '{s}'"
                         for c, s in states.items())
    page.wait_for_function(f"() => {checks}", timeout=timeout)


def test_every_feed_is_ok_and_an_admin_sees_the_raw_payload(city, new_page):
    page = new_page(1920, 1080)
    seen = watch(page)
    open_feeds(page, city, "admin")
    wait_states(page, {c: "ok" for c in ALL_FEEDS})
    card = page.locator(card_state("open311"))
    assert "正常" in card.inner_text() and "✓" in card.inner_text()            # a word and an icon, not colour alone
    assert "城管热线" in card.inner_text() and "上次成功" in card.inner_text()
    assert page.inner_text("#feeds-summary") == "全部数据源正常"
    page.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)       # the live relay, not polling
    page.wait_for_selector(f"#feeds-dl-grid .ag-row:has-text('{REASON}')", timeout=15_000)
    assert "north of the river" in page.inner_text("#feeds-dl-grid")          # the payload column
    page.locator("#feeds-dl-grid .ag-row", has_text=REASON).first.click()
    page.wait_for_selector("#feeds-dl-payload", timeout=10_000)
    assert page.inner_text("#feeds-dl-payload") == SECRET
    assert page.locator("#feeds-dl-note").inner_text() == ""
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.console_errors == []
    assert [u for u in seen["urls"] if not u.startswith(LOCAL)] == []


def test_a_dispatcher_sees_the_reason_but_never_the_payload(city, new_page):
    page = new_page(1920, 1080)
    bodies: list[str] = []
    page.on("response", lambda r: "_dash-update-component" in r.url and bodies.append(r.text()))
    open_feeds(page, city, "dispatcher", "en")
    page.wait_for_selector(f"#feeds-dl-grid .ag-row:has-text('{REASON}')", timeout=15_000)
    assert page.inner_text("#feeds-dl-note") == "The raw payload is shown to administrators only"
    page.locator("#feeds-dl-grid .ag-row", has_text=REASON).first.click()
    page.wait_for_selector("#feeds-dl-admin-only", timeout=10_000)
    assert page.locator("#feeds-dl-payload").count() == 0
    assert "13900001111" not in page.content()
    assert bodies and not any("13900001111" in b or "north of the river" in b for b in bodies)   # not on the wire
    assert page.console_errors == []


def test_the_audit_log_lists_the_sign_in_and_is_for_admins_only(city, new_page):
    page = new_page(1920, 1080)
    sign_in(page, city, "admin", "/admin/audit")
    page.wait_for_selector("#audit-grid .ag-row", timeout=15_000)
    page.fill("#audit-actor", "admin")
    page.press("#audit-actor", "Enter")
    page.wait_for_function("""() => {
        const actors = [...document.querySelectorAll("#audit-grid .ag-row [col-id='actor']")].map(c => c.textContent);
        return actors.length > 0 && actors.every(a => a === "admin");
    }""", timeout=10_000)
    rows = page.inner_text("#audit-grid")
    assert "admin" in rows and "管理员" in rows and "127.0.0.1" in rows and "system" not in rows
    assert page.locator("#audit-prev").is_disabled()
    assert page.locator("button", has_text="删除").count() == 0                   # read-only
    assert page.console_errors == []

    leader = new_page(1920, 1080)
    assert sign_in(leader, city, "leader", "/admin/audit").status == 403
    leader.goto(city.url)
    leader.wait_for_selector(".nav-link", timeout=10_000)
    assert leader.locator(".nav-link", has_text="审计日志").count() == 0
    assert leader.locator(".nav-link", has_text="数据接入").count() == 0


def test_a_stopped_feed_turns_stale_and_a_dead_one_down_on_both_pages(city, new_page):
    feeds = new_page(1920, 1080)
    open_feeds(feeds, city, "dispatcher")
    wait_states(feeds, {"cap": "ok"})
    feeds.wait_for_selector("#hdr-live-badge.live-live", timeout=15_000)
    ops = new_page(1920, 1080)
    sign_in(ops, city, "dispatcher", "/")
    ops.wait_for_selector(".feed[data-connector='cap'].feed-ok", timeout=15_000)

    city.cap.stop()                                    # the source system goes quiet
    wait_states(feeds, {"cap": "stale", "traffic": "ok"}, timeout=(STALE_AFTER + 8) * 1000)
    assert "数据陈旧" in feeds.inner_text(card_state("cap")) and "◷" in feeds.inner_text(card_state("cap"))
    assert "1 个数据源需要关注" in feeds.inner_text("#feeds-summary")
    ops.wait_for_selector(".feed[data-connector='cap'].feed-stale", timeout=10_000)
    assert "数据陈旧" in ops.inner_text(".feed[data-connector='cap']")

    from connectors.http import RetryPolicy
    city.cap.start(f"http://127.0.0.1:{free_port()}/cap/alerts.atom", poll_seconds=0.3, max_backoff=0.5,
                   timeout=2.0, retry=RetryPolicy(attempts=1))           # pointed at an address nobody answers
    wait_states(feeds, {"cap": "down"}, timeout=15_000)
    card = feeds.inner_text(card_state("cap"))
    assert "中断" in card and "✕" in card and "最近错误" in card
    assert feeds.locator(f"{card_state('cap')} .feed-card-error.is-failing").count() == 1
    ops.wait_for_selector(".feed[data-connector='cap'].feed-down", timeout=10_000)
    assert "中断" in ops.inner_text(".feed[data-connector='cap']")
    assert feeds.console_errors == [] and ops.console_errors == []
