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
         "leader": ("leader", None), "inspector": ("inspector", None)}
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
    from dashboard.services import field
    field.set_beat(services, ADMIN, "inspector", ["D1"], [])   # the inspector's beat: the west district
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


ERROR_PAGES = ("/403", "/404")   # where the router sends refused and unknown paths; not pages of their own


def page_paths():
    return sorted(({p["path"] for p in dash.page_registry.values()} | set(permissions.PAGES)) - set(ERROR_PAGES))


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
    if role is not None:   # asked for directly, an error page is an unknown path, in the app's frame
        for path in ERROR_PAGES:
            assert client.get(path).status_code == 404, (role, path)


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


def _photo_on_the_case(world) -> int:
    """A photo (with GPS in its EXIF) added to the world's incident by the dispatcher; its evidence id."""
    from tests.support import photos
    client, headers = client_as(world, "dispatcher")
    incident = world[3]
    data = photos.jpeg(32.05, 118.75)
    answer = client.post(f"/api/v1/incidents/{incident['id']}/evidence", headers=headers,
                         data={"stage": "desk", "photo": (__import__("io").BytesIO(data), "case.jpg")},
                         content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["evidence"][0]["id"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "nobody")
def test_evidence_of_a_case_for_every_role(world, role):
    """Photos go to those who may see the case: staff and leaders, the case's department, an inspector
    whose beat holds it; nobody else (a 404, as for a photo that is not there), never with GPS."""
    from tests.support import photos
    evidence_id = _photo_on_the_case(world)
    client, _ = client_as(world, role)
    incident_in_west = world[1].city.district_at(world[3]["lon"], world[3]["lat"]) == "D1"
    sees = role in ("admin", "dispatcher", "leader", "operator") or (role == "inspector" and incident_in_west)
    for path in (f"/api/v1/evidence/{evidence_id}", f"/api/v1/evidence/{evidence_id}/thumb"):
        answer = client.get(path)
        if role is None:
            assert answer.status_code == 401
        elif sees:
            assert answer.status_code == 200 and answer.mimetype == "image/jpeg", (role, path, answer.status_code)
            assert not photos.has_gps(answer.get_data())
        else:
            assert answer.status_code in (403, 404), (role, path, answer.status_code)


def test_the_city_reference_page_is_in_the_matrix(world):
    """Issue 14: the read-only reference page and its callbacks are for admins and dispatchers only; the
    page checks above try them as every role. The first sign-in's password page is public (it needs its
    one-time ticket) and opens nothing without one."""
    app = world[0]
    assert "/reference" in page_paths()
    assert permissions.PAGES["/reference"] == {"admin", "dispatcher"}
    ref_callbacks = [body["output"] for prefix, body in _callback_requests(app) if prefix == "ref"]
    assert len(ref_callbacks) == 2, ref_callbacks          # the load and the taxonomy search
    client, _ = client_as(world, None)
    assert client.post("/password/first", data={"ticket": "x", "password": "p" * 12, "repeat": "p" * 12}).status_code \
        in (302, 400)
