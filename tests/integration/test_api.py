"""The JSON API through the real Flask server, security included (SQLite and PostgreSQL)."""
import re

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.web.server import build_server
from tests.integration.test_incident_actions import report

ADMIN = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def api(services):
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    for name, role, dept in (("wang", "dispatcher", None), ("op-cg", "operator", "CG"), ("op-jt", "operator", "JT"),
                             ("boss", "leader", None)):
        auth.add_user(ADMIN, name, role, dept, PASSWORD)
    server = build_server(services)
    server.testing = True
    tokens = {name: auth.create_token(ADMIN, name) for name in ("wang", "op-cg", "op-jt", "boss")}
    return server, tokens, auth


def call(server, token, method, path, json=None):
    client = server.test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(path, method=method, json=json, headers=headers)


def test_record_verify_dispatch_accept_through_the_api(api, services):
    server, tokens, _ = api
    r = call(server, tokens["wang"], "POST", "/api/v1/incidents",
             {"category": "0101", "title": "井盖缺失", "lat": 32.05, "lon": 118.75, "reporter_name": "张三",
              "reporter_phone": "13812345678"})
    assert r.status_code == 201, r.json
    inc = r.json
    assert inc["district"] == "D1" and inc["reporter_phone"] == "13812345678"
    r = call(server, tokens["wang"], "POST", f"/api/v1/incidents/{inc['id']}/actions",
             {"action": "verify", "version": inc["version"]})
    assert r.status_code == 200 and r.json["status"] == "verified"
    r = call(server, tokens["wang"], "POST", f"/api/v1/incidents/{inc['id']}/actions",
             {"action": "dispatch", "version": r.json["version"], "department": "CG"})
    assert r.status_code == 200 and r.json["department"] == "CG" and r.json["seconds_left"] > 0
    version = r.json["version"]
    # the other department gets a 403, not the incident
    r = call(server, tokens["op-jt"], "GET", f"/api/v1/incidents/{inc['id']}")
    assert r.status_code == 403 and "another department" in r.json["error"]["message"]
    r = call(server, tokens["op-cg"], "GET", f"/api/v1/incidents/{inc['id']}")
    assert r.status_code == 200 and r.json["reporter_phone"] == "138****5678" and r.json["reporter_name"] == "张*"
    assert r.json["allowed_actions"] == ["accept", "return", "comment"]
    r = call(server, tokens["op-cg"], "POST", f"/api/v1/incidents/{inc['id']}/actions",
             {"action": "accept", "version": version})
    assert r.status_code == 200
    r = call(server, tokens["wang"], "POST", f"/api/v1/incidents/{inc['id']}/actions",
             {"action": "reassign", "version": version, "department": "JT"})
    assert r.status_code == 409 and r.json["error"]["changes"][0]["action"] == "accept"
    r = call(server, tokens["boss"], "GET", f"/api/v1/incidents/{inc['id']}/history")
    assert [h["action"] for h in r.json["items"]] == ["report", "verify", "dispatch", "accept"]


def test_operators_list_only_their_department(api, services):
    server, tokens, _ = api
    wang = tokens["wang"]
    for n, dept in enumerate(("CG", "JT", "CG")):
        inc = report(services, ref=f"l{n}", lat=32.01 + n * 0.01)
        inc = call(server, wang, "POST", f"/api/v1/incidents/{inc['id']}/actions",
                   {"action": "verify", "version": inc["version"]}).json
        call(server, wang, "POST", f"/api/v1/incidents/{inc['id']}/actions",
             {"action": "dispatch", "version": inc["version"], "department": dept})
    cg = call(server, tokens["op-cg"], "GET", "/api/v1/incidents").json
    assert cg["total"] == 2 and {i["department"] for i in cg["items"]} == {"CG"}
    # a filter cannot widen the scope
    assert call(server, tokens["op-cg"], "GET", "/api/v1/incidents?department=JT").json["total"] == 0
    assert call(server, tokens["boss"], "GET", "/api/v1/incidents").json["total"] == 3
    assert call(server, wang, "GET", "/api/v1/incidents?status=dispatched&department=JT").json["total"] == 1
    # the operations picture too: an operator's map holds their department's incidents only
    on_map = {f["properties"]["department"] for f in
              call(server, tokens["op-cg"], "GET", "/api/v1/operations").json["incidents"]["features"]}
    assert on_map == {"CG"}
    assert len(call(server, tokens["boss"], "GET", "/api/v1/operations").json["incidents"]["features"]) == 3


def test_bad_requests_get_clear_json_errors(api, services):
    server, tokens, _ = api
    inc = report(services)
    cases = [
        ("POST", f"/api/v1/incidents/{inc['id']}/actions", {"action": "close", "version": 1}, 422, "cannot close"),
        ("POST", f"/api/v1/incidents/{inc['id']}/actions", {"action": "verify"}, 422, "version"),
        ("POST", f"/api/v1/incidents/{inc['id']}/actions", {"action": "teleport", "version": 1}, 422, "unknown action"),
        ("POST", "/api/v1/incidents/999999/actions", {"action": "verify", "version": 1}, 404, "no incident"),
        ("POST", "/api/v1/incidents", {"category": "nope", "title": "x"}, 422, "unknown category"),
        ("GET", "/api/v1/incidents?status=flying", None, 422, "unknown status"),
        ("GET", "/api/v1/incidents?limit=lots", None, 422, "integers"),
        ("GET", "/api/v1/nothing-here", None, 404, "no API route"),
    ]
    for method, path, body, status, text in cases:
        r = call(server, tokens["wang"], method, path, body)
        assert r.status_code == status and text in r.json["error"]["message"], (path, r.status_code, r.json)
    r = server.test_client().post(f"/api/v1/incidents/{inc['id']}/actions", data="not json",
                                  headers={"Authorization": f"Bearer {tokens['wang']}"})
    assert r.status_code == 422 and "JSON object" in r.json["error"]["message"]


def test_roles_are_checked_on_the_server(api, services):
    server, tokens, _ = api
    inc = report(services)
    assert call(server, None, "GET", "/api/v1/incidents").status_code == 401
    assert call(server, "cot_forged", "GET", "/api/v1/incidents").status_code == 401
    assert call(server, tokens["boss"], "POST", f"/api/v1/incidents/{inc['id']}/actions",
                {"action": "verify", "version": 1}).status_code == 403
    assert call(server, tokens["op-cg"], "POST", "/api/v1/incidents", {"category": "0101", "title": "x"}).status_code == 403
    assert call(server, tokens["wang"], "GET", "/api/v1/audit").status_code == 403


def test_revoked_token_stops_working(api):
    server, tokens, auth = api
    assert call(server, tokens["boss"], "GET", "/api/v1/incidents").status_code == 200
    auth.revoke_token(ADMIN, "boss")
    assert call(server, tokens["boss"], "GET", "/api/v1/incidents").status_code == 401


def _sign_in(client, username="wang", password=PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf, "next": "/"})


def test_session_sign_in_csrf_and_expiry(api, services, monkeypatch):
    server, _, _ = api
    client = server.test_client()
    assert client.get("/api/v1/incidents").status_code == 401
    r = _sign_in(client)
    assert r.status_code == 302 and r.headers["Location"] == "/"          # where they asked to go
    assert client.get("/api/v1/incidents").status_code == 200
    csrf = client.get_cookie("_csrf_token").value
    body = {"category": "0101", "title": "电话报告", "lat": 32.05, "lon": 118.75}
    # a state-changing request with the session cookie but without the CSRF header is refused
    assert client.post("/api/v1/incidents", json=body).status_code == 403
    assert client.post("/api/v1/incidents", json=body, headers={"X-CSRFToken": "wrong"}).status_code == 403
    assert client.post("/api/v1/incidents", json=body, headers={"X-CSRFToken": csrf}).status_code == 201
    # idle past the limit: the session ends (sessions are kept on the server: dashboard.services.auth)
    import dashboard.services.auth as auth_module
    later = auth_module.utcnow() + __import__("datetime").timedelta(minutes=services.settings.session_idle_minutes + 1)
    monkeypatch.setattr(auth_module, "utcnow", lambda: later)
    assert client.get("/api/v1/incidents").status_code == 401


def test_login_form_without_csrf_is_refused_and_failures_are_throttled(api):
    server, _, _ = api
    client = server.test_client()
    r = client.post("/login", data={"username": "wang", "password": PASSWORD})
    assert r.status_code == 400
    for _ in range(5):
        assert _sign_in(client, password="wrong-wrong-wrong").status_code == 401
    r = _sign_in(client)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_pages_redirect_to_sign_in_and_unknown_callbacks_are_refused(api):
    server, _, _ = api
    client = server.test_client()
    r = client.get("/dispatch")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    _sign_in(client, "boss")
    client.get("/api/v1/incidents")
    csrf = client.get_cookie("_csrf_token").value
    r = client.post("/_dash-update-component", json={"output": "evil-output.children"}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 403
    r = client.post("/_dash-update-component", json={"output": "disp-grid.rowData"}, headers={"X-CSRFToken": csrf})
    assert r.status_code == 403   # a leader may not use the dispatch page's callbacks


def test_healthz_reports_connectors(api, services):
    server, _, _ = api
    from dashboard.services.ingest import IngestService
    IngestService(services).report_health("cap", False, "connection refused")
    r = server.test_client().get("/healthz")
    assert r.status_code == 200 and r.json["connectors"][0]["connector"] == "cap"
    assert r.json["connectors"][0]["state"] in ("stale", "down")
