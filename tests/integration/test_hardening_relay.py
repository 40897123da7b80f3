"""Issue 17, item 2: the push relay asks again while a socket is open — a revoked kiosk link, a user
signed out or disabled is closed within a heartbeat — and refuses pages of other origins."""
from __future__ import annotations

import re
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from dashboard.domain.identity import Identity
from dashboard.push import PushRelay
from dashboard.push.authorize import make_authorizer
from dashboard.services.auth import AuthService
from dashboard.web.server import build_server

ADMIN = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"
HEARTBEAT = 0.3


@pytest.fixture
def world(services):
    auth = AuthService(services)
    auth.add_user(ADMIN, "wang", "dispatcher", None, PASSWORD)
    kiosk = auth.create_token(ADMIN, "hall", kind="kiosk")
    server = build_server(services)
    client = server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": "wang", "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    cookies = {"wang": f"cityops_session={client.get_cookie('cityops_session').value}",
               "kiosk": f"cityops_kiosk={kiosk}"}
    relay = PushRelay(services.bus, "127.0.0.1", 0, authorize=make_authorizer(services),
                      recheck_seconds=HEARTBEAT).start()
    yield relay, cookies, auth, client
    relay.stop()


def closed_within(ws, seconds: float) -> bool:
    """True once the relay closes the socket (policy violation); False if it is still open after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ws.recv(timeout=0.2)
        except TimeoutError:
            continue
        except ConnectionClosed as exc:
            return exc.rcvd is not None and exc.rcvd.code == 1008
    return False


def test_a_wall_is_cut_off_within_a_heartbeat_of_revoking_its_link(world):
    relay, cookies, auth, _ = world
    with connect(relay.url + "?after=0", additional_headers={"Cookie": cookies["kiosk"]}) as ws:
        assert not closed_within(ws, HEARTBEAT * 3)        # listening
        auth.revoke_token(ADMIN, "hall", kind="kiosk")
        assert closed_within(ws, HEARTBEAT * 10)


@pytest.mark.parametrize("how", ["disable", "sign_out"])
def test_a_user_is_cut_off_when_disabled_or_signed_out(world, how):
    relay, cookies, auth, client = world
    with connect(relay.url + "?after=0", additional_headers={"Cookie": cookies["wang"]}) as ws:
        assert not closed_within(ws, HEARTBEAT * 3)
        if how == "disable":
            auth.set_disabled(ADMIN, "wang", True)
        else:
            client.get("/api/v1/incidents")
            assert client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value}).status_code == 302
        assert closed_within(ws, HEARTBEAT * 10)


def test_pages_of_another_origin_may_not_listen(world):
    relay, cookies, _, _ = world
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(relay.url + "?after=0", origin="http://evil.example",
                     additional_headers={"Cookie": cookies["wang"]}) as ws:
            ws.recv(timeout=2)
    with connect(relay.url + "?after=0", origin="http://127.0.0.1:8050",
                 additional_headers={"Cookie": cookies["wang"]}) as ws:     # our own page, another port
        assert not closed_within(ws, HEARTBEAT * 2)
