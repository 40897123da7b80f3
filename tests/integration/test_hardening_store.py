"""Issue 17 on both stores (the `store` fixture runs SQLite and PostgreSQL): Open311 output is valid
XML whatever a citizen typed (7), values in sane ranges and one bad record never breaks a list (8),
every stored instant keeps its moment (9), webhooks never reach the inside (13), the audit log's hash
chain shows the first edited entry (14), free text published only as meant and masked (15)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.services.incident_actions import ActionError, perform
from dashboard.services.webhooks import WebhookError, WebhookService
from dashboard.store import audit_chain, schema as t, utcnow
from dashboard.web.server import build_server
from tests.integration.test_incident_actions import report

ROOT = Identity("root", "admin", via="cli")
DISPATCHER = Identity("wang", "dispatcher")
CST = timezone(timedelta(hours=8))


@pytest.fixture
def city(services):
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    key = auth.create_token(ROOT, "citizen-app", kind="open311")
    server = build_server(services)
    return server.test_client(), key


def post311(client, key, description, fmt="json"):
    r = client.post(f"/open311/v2/requests.{fmt}", data={"api_key": key, "service_code": "0101", "lat": "32.05",
                                                        "long": "118.75", "description": description})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r


def test_control_characters_never_reach_the_xml(city):
    client, key = city
    r = client.post("/open311/v2/requests.xml", data={"api_key": key, "service_code": "0101", "lat": "32.05",
                                                     "long": "118.75", "description": "NUL\x00"})
    assert r.status_code == 400 and ET.fromstring(r.get_data()).tag == "errors"   # NUL: refused, saying so
    post311(client, key, "井盖缺失\x01\x08\x0b\x1f\ufffe 末尾")
    body = client.get("/open311/v2/requests.xml").get_data()
    root = ET.fromstring(body)                                   # a strict XML 1.0 parser reads it
    assert any("末尾" in (d.text or "") for d in root.iter("description"))


def test_deadlines_are_checked_and_one_bad_row_never_breaks_the_list(city, services):
    client, key = city
    inc = perform(services, DISPATCHER, report(services)["id"], "verify", 1)
    with pytest.raises(ActionError, match="at most"):
        perform(services, DISPATCHER, inc["id"], "dispatch", inc["version"],
                params={"department": "CG", "deadline": "9999-12-31T00:00:00+08:00"})
    post311(client, key, "正常的一条")
    with services.store.begin() as conn:        # a row written before the check (or by hand)
        conn.execute(t.incidents.update().values(deadline=datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)))
    for fmt in ("json", "xml"):
        r = client.get(f"/open311/v2/requests.{fmt}")
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert client.get("/open311/v2/requests.json?start_date=9999-12-31T00:00:00Z").status_code == 400


def test_instants_keep_their_moment_on_both_stores(city, services):
    client, key = city
    inc = perform(services, DISPATCHER, report(services)["id"], "verify", 1)
    given = (utcnow() + timedelta(days=3)).astimezone(CST).replace(microsecond=0)
    inc = perform(services, DISPATCHER, inc["id"], "dispatch", inc["version"],
                  params={"department": "CG", "deadline": given.isoformat()})
    assert inc["deadline"] == given                     # the same instant, whatever the offset it was given in
    with services.store.connect() as conn:
        stored = conn.execute(sa.select(t.incidents.c.deadline).where(t.incidents.c.id == inc["id"])).scalar_one()
    assert stored == given and stored.utcoffset() == timedelta(0)
    # Open311 times with an offset are compared as the instants they are
    post311(client, key, "偏移量")
    served = client.get("/open311/v2/requests.json").json
    updated = datetime.fromisoformat(served[0]["updated_datetime"])   # the server's own +08:00 time
    just_before = (updated - timedelta(seconds=1)).isoformat()
    just_after = (updated + timedelta(seconds=1)).isoformat()
    from urllib.parse import quote
    after = client.get(f"/open311/v2/requests.json?updated_after={quote(just_before)}").json
    assert served[0]["service_request_id"] in [r["service_request_id"] for r in after]
    later = client.get(f"/open311/v2/requests.json?updated_after={quote(just_after)}").json
    assert served[0]["service_request_id"] not in [r["service_request_id"] for r in later]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8050/", "http://localhost/x", "http://169.254.169.254/latest",
                                 "http://10.0.0.8/", "http://[::1]/", "http://0.0.0.0/", "http://192.168.1.1/"])
def test_webhooks_to_the_inside_are_refused_at_registration(services, url):
    with pytest.raises(WebhookError, match="internal"):
        WebhookService(services).register(ROOT, "scan", url, ["incident.dispatch"])


def test_webhooks_are_checked_again_at_delivery_after_resolving(services, monkeypatch):
    from dashboard.services import egress
    hooks = WebhookService(services)
    monkeypatch.setattr(egress.Policy, "resolve", lambda self, host, port: ["93.184.216.34"])
    hook, _ = hooks.register(ROOT, "outside", "http://wo.example/hook", ["*"])
    monkeypatch.setattr(egress.Policy, "resolve", lambda self, host, port: ["127.0.0.1"])   # rebinding
    sent = []
    monkeypatch.setattr(egress, "post", lambda *args, **kw: sent.append(args) or 200)
    from dashboard.store import webhooks as webhook_store
    with services.store.begin() as conn:
        webhook_store.enqueue(conn, hook["id"], "incident.dispatch", "k1", {"event": "incident.dispatch"}, utcnow())
    entry = hooks.send(hooks.claim(10)[0])
    assert sent == [] and entry["error"].startswith("refused")     # never sent to the inside
    with pytest.raises(egress.Refused):
        egress.Policy("").check("http://wo.example/hook")
    assert egress.Policy("wo.example").check("http://wo.example/hook") == ["127.0.0.1"]   # named: allowed
    assert egress.Policy("127.0.0.0/8").check("http://wo.example/hook") == ["127.0.0.1"]


def _tamper(services, statement: str) -> None:
    """What someone with a copy of the database could do: drop the guard, edit a row."""
    with services.store.begin() as conn:
        if services.store.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            conn.exec_driver_sql(statement)
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
            conn.exec_driver_sql(statement)


@pytest.mark.parametrize("edit", ["UPDATE audit_log SET actor = 'someone else' WHERE id = {id}",
                                  "DELETE FROM audit_log WHERE id = {id}"])
def test_the_audit_chain_names_the_first_edited_entry(services, edit):
    auth = AuthService(services)
    for n in range(6):
        auth.add_user(ROOT, f"user{n}", "leader", None, "correct horse battery")
    with services.store.connect() as conn:
        checked, broken = audit_chain.verify(conn)
        ids = [r.id for r in conn.execute(sa.select(t.audit_log.c.id).order_by(t.audit_log.c.id))]
    assert broken is None and checked == len(ids) == 6
    _tamper(services, edit.format(id=ids[3]))
    with services.store.connect() as conn:
        checked, broken = audit_chain.verify(conn)
    assert checked == 3
    assert broken.audit_id == (ids[3] if edit.startswith("UPDATE") else ids[4]), broken


def test_audit_verify_on_the_command_line(tmp_path, small_city):
    from dashboard.cli import main
    from dashboard.store import open_store
    from tests.conftest import services_on
    store = open_store(f"sqlite:///{tmp_path / 'cityops.sqlite3'}")
    store.upgrade()
    services = services_on(store, small_city, tmp_path)
    AuthService(services).add_user(ROOT, "wang", "leader", None, "correct horse battery")
    AuthService(services).add_user(ROOT, "li", "leader", None, "correct horse battery")
    assert main(["audit", "verify", "--data-dir", str(tmp_path)]) == 0
    _tamper(services, "UPDATE audit_log SET reason = 'nothing happened' WHERE id = 2")
    store.close()
    assert main(["audit", "verify", "--data-dir", str(tmp_path)]) == 1


def test_free_text_is_published_only_as_meant(city, services):
    client, key = city
    phoned = intake.record_manual(services, DISPATCHER, {
        "category": "0101", "title": "井盖缺失", "lat": 32.05, "lon": 118.75,
        "description": "来电人张三 13812345678 住本小区3栋，身份证110101199003071234"})
    post311(client, key, "井盖缺失，联系我 13912345678 或 025-83456789")
    served = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").json}
    assert served[phoned["code"]]["description"] is None           # a phoned-in case's text is not public
    citizen = next(r for code, r in served.items() if code != phoned["code"])
    assert "139****5678" in citizen["description"] and "13912345678" not in citizen["description"]
    assert "83456789" not in citizen["description"]
    body = client.get("/open311/v2/requests.xml").get_data(as_text=True)
    assert "13812345678" not in body and "110101199003071234" not in body
    from dashboard.services.incident_queries import incident_view
    from dashboard.store import incidents as incident_store
    with services.store.connect() as conn:
        row = incident_store.get(conn, phoned["id"])
    operator = incident_view(row, Identity("op", "operator", "CG"))
    assert "13812345678" not in operator["description"] and "110101199003071234" not in operator["description"]
    assert "13812345678" in incident_view(row, DISPATCHER)["description"]   # the dispatcher took the call
