"""Only signed-in people (or a wall kiosk) hear the push relay; operators hear only their department."""
import json
import re
import time

import pytest
from websockets.exceptions import InvalidStatus, ConnectionClosed
from websockets.sync.client import connect

from dashboard.domain.identity import Identity
from dashboard.push import PushRelay
from dashboard.push.authorize import make_authorizer
from dashboard.services.auth import AuthService
from dashboard.web.server import build_server

ADMIN = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def relay_and_cookies(services):
    auth = AuthService(services)
    auth.add_user(ADMIN, "wang", "dispatcher", None, PASSWORD)
    auth.add_user(ADMIN, "op-cg", "operator", "CG", PASSWORD)
    kiosk = auth.create_token(ADMIN, "hall", kind="kiosk")
    server = build_server(services)
    cookies = {}
    for user in ("wang", "op-cg"):
        client = server.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
        cookies[user] = f"cityops_session={client.get_cookie('cityops_session').value}"
    cookies["kiosk"] = f"cityops_kiosk={kiosk}"
    relay = PushRelay(services.bus, "127.0.0.1", 0, authorize=make_authorizer(services)).start()
    yield relay, cookies, auth
    relay.stop()


def listen(relay, cookie, after="0"):
    headers = {"Cookie": cookie} if cookie else {}
    return connect(relay.url + f"?after={after}", additional_headers=headers)


def drain(ws, timeout=1.5):
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got += json.loads(ws.recv(timeout=0.3)).get("messages", [])
        except TimeoutError:
            continue
    return got


def refused(relay, cookie):
    try:
        with listen(relay, cookie) as ws:
            ws.recv(timeout=2)
    except (ConnectionClosed, InvalidStatus):
        return True
    except TimeoutError:   # connected and listening: nothing to say yet
        return False
    return False


def test_nobody_and_forged_cookies_are_refused(relay_and_cookies):
    relay, cookies, _ = relay_and_cookies
    assert refused(relay, None)
    assert refused(relay, "cityops_session=forged.value.here")
    assert refused(relay, "cityops_kiosk=cok_not-a-real-token")


def test_operators_hear_only_their_department(relay_and_cookies, services):
    relay, cookies, _ = relay_and_cookies
    bus = services.bus
    with listen(relay, cookies["op-cg"]) as op, listen(relay, cookies["wang"]) as dispatcher:
        time.sleep(0.3)
        bus.publish("incident.changed", {"id": 1, "department": "CG"})
        bus.publish("incident.changed", {"id": 2, "department": "JT"})
        bus.publish("incident.upsert", {"type": "Feature", "properties": {"id": 2, "department": "JT"}})
        bus.publish("figures", {"open_incidents": 2})
        op_got, all_got = drain(op), drain(dispatcher)
    assert [(m["topic"], m["data"].get("id")) for m in op_got] == [("incident.changed", 1), ("figures", None)]
    assert len(all_got) == 4


def test_a_revoked_kiosk_link_is_refused_at_the_next_connect(relay_and_cookies):
    relay, cookies, auth = relay_and_cookies
    assert not refused(relay, cookies["kiosk"])
    auth.revoke_token(ADMIN, "hall", kind="kiosk")
    assert refused(relay, cookies["kiosk"])
