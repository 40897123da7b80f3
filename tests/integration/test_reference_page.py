"""The city reference page (/reference): read-only, for admins and dispatchers; every section filled
from the city in force, in both languages; other roles refused on the page and its callbacks."""
import re

import pytest

from dashboard.domain.identity import Identity
from dashboard.services import reference_page
from dashboard.services.auth import AuthService
from dashboard.web.app import create_app
from layouts.ids import reference as ids

ROOT = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"
OUTPUTS = [(ids.SUMMARY, "children"), (ids.DISTRICT_GRID, "rowData"), (ids.DEPARTMENT_GRID, "rowData"),
           (ids.TAXONOMY_GRID, "rowData"), (ids.ROUTING_GRID, "rowData"), (ids.CALENDAR, "children"),
           (ids.HISTORY_GRID, "rowData"), (ids.ERROR, "children")]


@pytest.fixture
def app_and_services(sqlite_store, small_city, tmp_path):
    from dashboard.services import intake
    from tests.conftest import services_on
    svc = services_on(sqlite_store, small_city, tmp_path)
    intake.ensure_routing_rules(svc)
    auth = AuthService(svc)
    for role in ("admin", "dispatcher", "leader"):
        auth.add_user(ROOT, role, role, None, PASSWORD)
    auth.add_user(ROOT, "operator", "operator", "CG", PASSWORD)
    return create_app(svc), svc


def signed_in(app, username):
    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    client.get("/api/v1/incidents")
    return client, {"X-CSRFToken": client.get_cookie("_csrf_token").value}


def load(client, headers, lang):
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in OUTPUTS) + "..",
            "outputs": [{"id": i, "property": p} for i, p in OUTPUTS],
            "inputs": [{"id": ids.LOAD, "property": "data", "value": lang}], "state": [],
            "changedPropIds": [f"{ids.LOAD}.data"]}
    return client.post(f"/_dash-update-component?lang={lang}", json=body, headers=headers)


@pytest.mark.parametrize("username", ["admin", "dispatcher"])
def test_staff_read_every_section(app_and_services, username):
    app, _ = app_and_services
    client, headers = signed_in(app, username)
    assert client.get("/reference").status_code == 200
    answer = load(client, headers, "en")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    out = answer.get_json()["response"]
    assert "Testville" in out[ids.SUMMARY]["children"]
    assert {r["code"] for r in out[ids.DISTRICT_GRID]["rowData"]} == {"D1", "D2"}
    assert {r["code"] for r in out[ids.DEPARTMENT_GRID]["rowData"]} >= {"CG", "JT", "HB"}
    taxonomy = out[ids.TAXONOMY_GRID]["rowData"]
    assert taxonomy and all(r["p1"] and r["p4"] for r in taxonomy)
    assert out[ids.ROUTING_GRID]["rowData"] and all(r["why"] for r in out[ids.ROUTING_GRID]["rowData"])
    assert "official" in str(out[ids.CALENDAR]["children"])   # the built-in years in force


def test_chinese_labels(app_and_services):
    app, _ = app_and_services
    client, headers = signed_in(app, "admin")
    out = load(client, headers, "zh-CN").get_json()["response"]
    assert "测试市" in out[ids.SUMMARY]["children"]
    assert "正式" in str(out[ids.CALENDAR]["children"])
    assert any("规则" in r["why"] for r in out[ids.ROUTING_GRID]["rowData"])


@pytest.mark.parametrize("username", ["leader", "operator"])
def test_other_roles_are_refused(app_and_services, username):
    app, svc = app_and_services
    client, headers = signed_in(app, username)
    assert client.get("/reference").status_code == 403
    assert load(client, headers, "en").status_code == 403
    with pytest.raises(reference_page.NotAllowed):
        reference_page.view(svc, Identity(username, username))


def test_import_history_and_standards_shown(app_and_services, tmp_path):
    """A package imported through the one door: its import shows (who, version, checksum, counts)."""
    from dashboard.citypkg.read import read_package
    from dashboard.citypkg.starter import write_starter
    from dashboard.services import city_import
    from dashboard.services.container import Services
    _, svc = app_and_services
    write_starter(tmp_path / "pkg")
    package = read_package(tmp_path / "pkg")
    city_import.commit(svc.store, city_import.plan(svc.store, package), actor="cli:tester")
    from dashboard.store import reference
    with svc.store.connect() as conn:
        city = reference.load_city(conn)
    fresh = Services(svc.settings, svc.store, svc.bus, city)
    data = reference_page.view(fresh, Identity("admin", "admin"))
    from layouts import reference_rows
    history = reference_rows.history_rows(data, "en", "Asia/Shanghai")
    assert history[0]["actor"] == "cli:tester" and history[0]["version"] == package.city.version
    assert history[0]["checksum_full"] == package.checksum and "added" in history[0]["counts"]
    taxonomy = reference_rows.taxonomy_rows(data, "zh-CN")
    assert any(r["standard_open"] and r["standard_close"] for r in taxonomy)
