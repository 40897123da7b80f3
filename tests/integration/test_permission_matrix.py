"""The permission matrix, tried for real: every page path, every Dash callback and every API route,
as each role and as nobody. What each may do is dashboard.domain.permissions; this test asks the
running app and compares its answers with that matrix."""
import re

import dash
import pytest

from dashboard.domain import permissions
from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.web.app import create_app
from tests.integration.test_incident_actions import report

ADMIN = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"
USERS = {"admin": ("admin", None), "dispatcher": ("dispatcher", None), "operator": ("operator", "CG"),
         "leader": ("leader", None)}
ROLES = list(USERS) + ["wall", None]


@pytest.fixture(scope="module")
def world(tmp_path_factory, small_city):
    """One app on SQLite with a user per role, a kiosk link for the wall, and one incident."""
    from dataclasses import replace

    from dashboard.bus import MemoryBus
    from dashboard.config import Settings
    from dashboard.services.container import Services
    from dashboard.store import open_store, reference
    tmp = tmp_path_factory.mktemp("matrix")
    store = open_store(f"sqlite:///{tmp / 'm.sqlite3'}")
    store.upgrade()
    with store.begin() as conn:
        reference.save_city(conn, small_city)
    services = Services(replace(Settings(), data_dir=str(tmp), demo=False), store, MemoryBus(), small_city)
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    for name, (role, dept) in USERS.items():
        auth.add_user(ADMIN, name, role, dept, PASSWORD)
    kiosk = auth.create_token(ADMIN, "hall", kind="kiosk")
    app = create_app(services)
    incident = report(services)   # dispatched to the operator's department, so scoping lets it through
    from dashboard.services.incident_actions import perform
    dispatcher = Identity("dispatcher", "dispatcher")
    incident = perform(services, dispatcher, incident["id"], "verify", incident["version"])
    incident = perform(services, dispatcher, incident["id"], "dispatch", incident["version"], params={"department": "CG"})
    yield app, services, kiosk, incident
    store.close()


def client_as(world, role):
    app, _, kiosk, _ = world
    client = app.server.test_client()
    headers = {}
    if role == "wall":
        client.get(f"/wall?kiosk={kiosk}")          # the kiosk link sets its cookie
    elif role is not None:
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
        client.get("/api/v1/incidents")                # picks up the CSRF cookie
        headers["X-CSRFToken"] = client.get_cookie("_csrf_token").value
    return client, headers


def page_paths():
    return sorted({p["path"] for p in dash.page_registry.values()} | set(permissions.PAGES))


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "nobody")
def test_every_page_path(world, role):
    client, _ = client_as(world, role)
    for path in page_paths():
        status = client.get(path).status_code
        if role is None:
            assert status == 302, (path, status)       # to the sign-in page
        elif permissions.may_open_page(role, path):
            assert status == 200, (role, path, status)
        else:
            assert status == 403, (role, path, status)


def _callback_requests(app):
    """(page the callback belongs to, request body) for every server-side callback of the app."""
    for output, spec in app.callback_map.items():
        if output.startswith("..") and "_pages" in output:
            continue   # Dash Pages' router: checked through the page paths above
        if "callback" not in spec:
            continue   # client-side: runs in the browser, nothing on the server to guard
        first = output.strip(".").split("...")[0].split(".")[0]
        if first.startswith("{"):
            first = re.search(r'"type":"([^"]+)"', first.replace(" ", "")).group(1)
        prefix = first.split("-", 1)[0]
        yield prefix, {"output": output, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "nobody")
def test_every_callback(world, role):
    app = world[0]
    client, headers = client_as(world, role)
    checked = 0
    for prefix, body in _callback_requests(app):
        assert prefix in permissions.CALLBACK_PREFIXES, f"callback ids without a known page prefix: {body['output']}"
        page = permissions.CALLBACK_PREFIXES[prefix]
        status = client.post("/_dash-update-component", json=body, headers=headers).status_code
        if role is None:
            assert status in (401, 403), (body["output"], status)   # no session: CSRF or sign-in refuses
        elif page is None or permissions.may_open_page(role, page):
            assert status not in (401, 403), (role, body["output"], status)
        else:
            assert status == 403, (role, body["output"], status)
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "nobody")
def test_every_api_route(world, role):
    app, _, _, incident = world
    client, headers = client_as(world, role)
    for method, route in permissions.API:
        path = route.replace("<id>", str(incident["id"]))
        body = {"action": "comment", "version": incident["version"], "text": "matrix"} if method == "POST" else None
        status = client.open(path, method=method, json=body, headers=headers).status_code
        if role is None:
            assert status == 401, (method, route, status)
        elif permissions.may_call_api(role, method, route):
            assert status not in (401, 403), (role, method, route, status)
        else:
            assert status in (401, 403), (role, method, route, status)


def test_the_wall_kiosk_sees_no_reporter_data(world):
    client, _ = client_as(world, "wall")
    body = client.get("/api/v1/operations").get_data(as_text=True)
    assert "reporter" not in body
