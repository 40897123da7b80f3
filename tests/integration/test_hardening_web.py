"""Issue 17 through the real Flask server: /metrics bounded and not public (4), exports never carry
formulas or echo unknown codes (10), the page router checked by input id (11), bad JSON is a 4xx (12),
refusals audited (14), security headers (16)."""
from __future__ import annotations

import io
import re

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.store import audit
from dashboard.web.app import create_app
from tests.integration.test_incident_actions import report

ADMIN = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def app(services):
    from dataclasses import replace
    services.settings = replace(services.settings, metrics_token="scrape-me")
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    for name, role, dept in (("wang", "dispatcher", None), ("op", "operator", "CG"), ("boss", "admin", None)):
        auth.add_user(ADMIN, name, role, dept, PASSWORD)
    app = create_app(services)
    app.server.testing = True
    return app, auth


def browser(app, user):
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    client.get("/api/v1/incidents")
    return client, {"X-CSRFToken": client.get_cookie("_csrf_token").value}


def router_body(*inputs):
    return {"output": ".._pages_content.children..._pages_store.data..", "state": [],
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": p, "value": v} for p, v in inputs],
            "changedPropIds": ["_pages_location.pathname"]}


def test_metrics_labels_come_from_a_closed_set_and_metrics_are_not_public(app):
    dash_app, _ = app
    dash_app.server.testing = False   # answered as an attacker sees it (Dash has no such callback)
    client, headers = browser(dash_app, "wang")
    for n in range(300):   # made-up callback names: each would have been a new series
        client.post("/_dash-update-component", headers=headers,
                    json={"output": f"disp-made-up-{n}.children", "inputs": [], "state": [], "outputs": []})
    text = dash_app.server.test_client().get("/metrics").get_data(as_text=True)   # loopback: allowed
    assert "disp-made-up" not in text and len(text) < 200_000
    outside = dash_app.server.test_client()
    assert outside.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 404
    assert outside.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"},
                       headers={"Authorization": "Bearer scrape-me"}).status_code == 200


def test_the_router_is_checked_by_input_id_and_position(app):
    dash_app, _ = app
    client, headers = browser(dash_app, "op")
    # the first pathname looks harmless; Dash hands the router its inputs by position
    smuggled = router_body(("pathname", "/dispatch"), ("search", ""), ("pathname", "/admin/audit"))
    assert client.post("/_dash-update-component", json=smuggled, headers=headers).status_code == 403
    swapped = router_body(("search", "/admin/audit"), ("pathname", "/dispatch"))
    assert client.post("/_dash-update-component", json=swapped, headers=headers).status_code == 403
    body = client.post("/_dash-update-component", json=router_body(("pathname", "/admin/audit"), ("search", "")),
                       headers=headers)
    assert body.status_code == 403 or "audit-grid" not in body.get_data(as_text=True)
    ok = client.post("/_dash-update-component", json=router_body(("pathname", "/dispatch"), ("search", "")),
                     headers=headers)
    assert ok.status_code == 200


@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,                                    # deeply nested
    '{"output": "disp-grid.rowData", "inputs": [{"value": ' + "9" * 40 + '}]}',   # beyond 64 bits
    '{"title": "\\ud800 lone surrogate"}',                            # no character at all
])
def test_bad_json_is_a_4xx_everywhere(app, raw):
    dash_app, auth = app
    token = auth.create_token(ADMIN, "wang")
    client, headers = browser(dash_app, "wang")
    for path, extra in (("/api/v1/incidents", {"Authorization": f"Bearer {token}"}),
                        ("/_dash-update-component", headers),
                        ("/open311/v2/requests.json", {})):
        r = client.post(path, data=raw, headers=extra | {"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, r.status_code)


def test_integers_beyond_64_bits_in_queries_are_a_4xx(app):
    dash_app, auth = app
    token = auth.create_token(ADMIN, "wang")
    client = dash_app.server.test_client()
    huge = "9" * 40
    for path in (f"/open311/v2/requests.json?page={huge}", f"/open311/v2/requests.json?page_size={huge}",
                 f"/api/v1/incidents?offset={huge}", f"/api/v1/incidents?limit={huge}",
                 f"/api/v1/incidents/{huge}", f"/api/v1/audit?offset={huge}"):
        r = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code < 500, (path, r.status_code)


def test_refusals_are_in_the_audit_log(app, services):
    dash_app, auth = app
    other = report(services, ref="other-dept")
    from dashboard.services.incident_actions import perform
    disp = Identity("wang", "dispatcher")
    other = perform(services, disp, other["id"], "verify", other["version"])
    other = perform(services, disp, other["id"], "dispatch", other["version"], params={"department": "JT"})
    client, headers = browser(dash_app, "op")
    assert client.post(f"/api/v1/incidents/{other['id']}/actions", headers=headers,
                       json={"action": "accept", "version": other["version"]}).status_code == 403   # cross-department
    assert client.get(f"/api/v1/incidents/{other['id']}").status_code == 403
    assert client.get("/api/v1/audit").status_code == 403                                          # forbidden route
    assert client.post("/api/v1/incidents", json={}, headers={"X-CSRFToken": "forged"}).status_code == 403   # CSRF
    with services.store.connect() as conn:
        refusals = audit.query(conn, action="refused")
    reasons = " | ".join(r["reason"] for r in refusals)
    assert len(refusals) >= 4 and "another department" in reasons and "CSRF" in reasons
    assert all(r["actor"] == "op" for r in refusals)


def test_security_headers(app):
    dash_app, _ = app
    client, _ = browser(dash_app, "wang")
    for path in ("/login", "/dispatch", "/api/v1/incidents", "/_dash-layout"):
        r = client.get(path)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
    index = re.sub(r"<!--.*?-->", "", client.get("/dispatch").get_data(as_text=True), flags=re.S)   # IE-only notes
    scripts = re.findall(r"<script((?![^>]*\bsrc=)[^>]*)>(.*?)</script>", index, re.S)
    import base64
    import hashlib
    csp = client.get("/dispatch").headers["Content-Security-Policy"]
    for attributes, script in scripts:          # every inline script that runs is allowed by its hash
        if script.strip() and "application/json" not in attributes:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp, script[:80]


def test_exports_carry_no_formulas_and_echo_no_unknown_codes(app, monkeypatch):
    dash_app, auth = app
    token = auth.create_token(ADMIN, "boss")
    client = dash_app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/review/report.pdf?department=%3Cimg%20src%3D%22file%3A%2F%2F%2Fetc%2Fpasswd%22%3E",
                   headers=headers)
    assert r.status_code == 422 and r.mimetype == "application/json"   # refused, and no report made of it
    from dashboard.services import review_report
    evil = '=HYPERLINK("http://evil.example","click")'
    monkeypatch.setattr(review_report, "overdue_table", lambda data: [["title"], [evil], ["+1+1"], ["@SUM(A1)"]])
    r = client.get("/api/v1/review/export.xlsx", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(r.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    texts = {c.value for c in cells}
    assert evil in texts and "+1+1" in texts
    assert all(c.data_type != "f" for c in cells)
