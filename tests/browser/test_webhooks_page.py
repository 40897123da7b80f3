"""The Webhooks page in headless Chromium against a really started CityOps web process with its
webhook worker: an admin sees the registered webhook and, choosing it, its deliveries as a local
receiver got them; a leader is refused the page."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard.config import Settings
from dashboard.domain.identity import Identity
from tests.browser.conftest import free_port

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
ROOT = Identity("root", "admin", via="cli")


class Ok(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from dashboard.runtime import Runtime
    from dashboard.services.auth import AuthService
    from dashboard.services.incident_actions import perform
    from dashboard.services.intake import record_manual
    from dashboard.services.webhooks import WebhookService
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    settings = replace(Settings(), data_dir=str(tmp_path_factory.mktemp("cityops-hooks")), port=free_port(),
                       push_port=free_port(), seed=7,
                       webhook_allowed_hosts="127.0.0.1")   # the receiver is on loopback: an allowed internal host
    runtime = Runtime(settings, web=True, push=False, connectors=False, demo=False).start()
    auth = AuthService(runtime.services)
    auth.add_user(ROOT, "boss", "admin", None, PASSWORD)
    auth.add_user(ROOT, "lead", "leader", None, PASSWORD)
    hooks = WebhookService(runtime.services)
    hook, _ = hooks.register(ROOT, "工单系统", f"http://127.0.0.1:{receiver.server_port}/h",
                             ["incident.created", "incident.verify"])
    incident = record_manual(runtime.services, ROOT, {"category": "0101", "title": "井盖缺失"})
    perform(runtime.services, ROOT, incident["id"], "verify", incident["version"])
    for _ in range(200):   # the runtime's worker sends them (within a second or so)
        if [d["status"] for d in hooks.deliveries(hook["id"])["items"]] == ["delivered", "delivered"]:
            break
        time.sleep(0.1)
    yield runtime
    runtime.stop()
    receiver.shutdown()
    receiver.server_close()


def sign_in(page, runtime, username: str, path: str):
    page.goto(f"{runtime.url}login?lang=zh-CN&next={path}")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation() as landing:
        page.click("#login-submit")
    return landing.value


def test_an_admin_follows_the_deliveries(city, new_page):
    page = new_page(1600, 1000)
    sign_in(page, city, "boss", "/admin/webhooks")
    page.wait_for_selector("#hooks-grid .ag-row", timeout=15_000)
    assert "工单系统" in page.inner_text("#hooks-grid")
    page.click("#hooks-grid .ag-row >> text=工单系统")
    page.wait_for_function(
        "() => document.querySelectorAll('#hooks-deliveries .ag-row').length === 2 && "
        "[...document.querySelectorAll('#hooks-deliveries .ag-row')].every(r => r.innerText.includes('已送达'))",
        timeout=15_000)
    assert "工单系统" in page.inner_text("#hooks-chosen")
    assert page.console_errors == []


def test_a_leader_may_not_open_it(city, new_page):
    page = new_page()
    response = sign_in(page, city, "lead", "/admin/webhooks")
    assert response.status == 403
