"""/api/v1/openapi.json describes every /api/v1 route, and schemathesis, generating requests from it
against the real app (in-process WSGI, as an admin with a bearer token), finds no server error, no
undocumented status code and no response that contradicts the document."""
import re
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dashboard.domain import permissions
from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.services.incident_actions import perform
from dashboard.services.webhooks import WebhookService
from dashboard.web import openapi
from dashboard.web.server import build_server
from tests.integration.test_incident_actions import report

ROOT = Identity("root", "admin", via="cli")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory, small_city):
    """One app (on SQLite, then on PostgreSQL) with an admin's token, incidents in several states, a webhook."""
    from dashboard.store import open_store
    from tests.conftest import services_on
    tmp = tmp_path_factory.mktemp("openapi")
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp / 'o.sqlite3'}")
    else:
        store = request.getfixturevalue("module_pg_store")
    store.upgrade()
    # the test's webhook receivers are on loopback, which only a named allowed host may reach
    services = services_on(store, small_city, tmp, webhook_allowed_hosts="127.0.0.1")
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    auth.add_user(ROOT, "admin", "admin", None, "correct horse battery")
    token = auth.create_token(ROOT, "admin")
    dispatcher = Identity("admin", "admin")
    for n in range(3):
        incident = report(services, ref=f"o{n}", lat=32.01 + n * 0.02)
        if n:
            incident = perform(services, dispatcher, incident["id"], "verify", incident["version"])
            incident = perform(services, dispatcher, incident["id"], "dispatch", incident["version"],
                               params={"department": "CG"})
    WebhookService(services).register(dispatcher, "work orders", "http://127.0.0.1:9/hook", ["*"])
    server = build_server(services)
    server.testing = True
    REAL.update(incident=incident["id"], services=services)
    yield server, {"Authorization": f"Bearer {token}"}
    if request.param == "sqlite":
        store.close()


@pytest.fixture(scope="module")
def module_pg_store():
    """A PostgreSQL schema of its own for the whole module (the suite's pg_store is per test)."""
    from tests.conftest import pg_schema_store
    with pg_schema_store() as store:
        yield store


REAL: dict = {}   # ids of objects the world holds, for the explicit cases below


OPERATIONS = [(method.upper(), path) for path, ops in openapi.document()["paths"].items() for method in ops]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(world):
    server, headers = world
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", server, headers=headers)


# schemathesis' own pytest plugin (from_fixture) does not run under pytest 9; hypothesis drives it here.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("method,path", OPERATIONS)
def test_the_api_answers_as_its_document_says(api_schema, world, method, path, mode):
    _, headers = world
    operation = api_schema[path][method]

    statuses = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    if mode is GenerationMode.POSITIVE:   # (negative cases also spoil the credentials: 401 there is right)
        assert 401 not in statuses, statuses   # the admin's token got in (403 stays possible: accept is an operator's)
        if method == "GET" and "{id}" not in path:
            assert any(200 <= s < 300 for s in statuses), statuses


def test_real_objects_and_each_error_conform(api_schema, world):
    """Generated ids rarely hit a stored object: these cases read and act on real ones."""
    server, headers = world
    service = WebhookService(REAL["services"])           # its own webhook: the fuzzing may delete others
    webhook = service.register(Identity("admin", "admin"), "history", "http://127.0.0.1:9/h", ["*"])[0]["id"]
    assert service.enqueue(REAL["services"].bus.read("0")) > 0   # a delivery history to read
    incident = REAL["incident"]
    version = server.test_client().get(f"/api/v1/incidents/{incident}", headers=headers).json["version"]
    cases = [
        ("GET", "/api/v1/incidents/{id}", {"id": incident}, None, 200),
        ("GET", "/api/v1/incidents/{id}/history", {"id": incident}, None, 200),
        ("GET", "/api/v1/webhooks/{id}", {"id": webhook}, None, 200),
        ("GET", "/api/v1/webhooks/{id}/deliveries", {"id": webhook}, None, 200),
        ("POST", "/api/v1/incidents/{id}/actions", {"id": incident},
         {"action": "comment", "version": version, "text": "checked"}, 200),
        ("POST", "/api/v1/incidents/{id}/actions", {"id": incident},
         {"action": "comment", "version": version, "text": "stale"}, 409),
        ("POST", "/api/v1/incidents/{id}/actions", {"id": incident}, {"action": "close", "version": 99}, 409),
        ("POST", "/api/v1/incidents/{id}/actions", {"id": incident}, {"action": "accept", "version": 1}, 403),
        ("POST", "/api/v1/incidents", {}, {"category": "0101", "title": "电话报告", "lat": 32.05, "lon": 118.75}, 201),
        ("POST", "/api/v1/webhooks", {}, {"name": "x", "url": "https://x.example/h", "events": ["*"]}, 201),
    ]
    for method, path, params, body, status in cases:
        operation = api_schema[path][method]
        case = operation.Case(path_parameters=params, **({"body": body, "media_type": "application/json"}
                                                          if body is not None else {}))
        response = case.call(headers=headers)
        assert response.status_code == status, (method, path, body, response.text)
        case.validate_response(response, checks=CHECKS)
    body = json.loads(response.text)
    assert body["secret"].startswith("whsec_")


def test_the_document_names_every_route_and_method(world):
    server, headers = world
    document = server.test_client().get("/api/v1/openapi.json", headers=headers).json
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    served = set()
    for rule in server.url_map.iter_rules():
        path = str(rule.rule)
        if not path.startswith("/api/v1/") or "<path:" in path:
            continue   # the catch-all answering 404 for unknown API paths
        path = re.sub(r"<int:\w+>", "{id}", path)   # every id in a path is {id}
        served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    matrix = {(m, r.replace("<id>", "{id}")) for m, r in permissions.API}
    assert matrix == documented    # and every route has its line in the permission matrix


def test_unsigned_callers_get_401_for_the_document(world):
    server, _ = world
    r = server.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 401 and r.json["error"]["status"] == 401
