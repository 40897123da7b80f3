"""The Open311 GeoReport v2 server driven as the spec's examples drive a server (JSON and XML), on
SQLite and PostgreSQL; and our own Open311 client reading what it serves (parse and a real poll)."""
import threading
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from connectors.open311 import Open311Connector, Open311Error, parse
from dashboard.domain import open311 as spec
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake
from dashboard.services.auth import AuthService
from dashboard.store import schema as t
from dashboard.web.server import build_server
from tests.support.sinks import MemorySink

ROOT = Identity("root", "admin", via="cli")
PASSWORD = "correct horse battery"
# The spec's POST example, as its body is written (service code and attribute adapted to this city).
SPEC_POST = ("api_key={key}&jurisdiction_id=city.gov&service_code=0101&lat=37.76524078&long=-122.4212043"
             "&address_string=1234+5th+street&email=smit222%40sfgov.edu&device_id=tt222111&account_id=123456"
             "&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
             "&media_url=http%3A%2F%2Fcity.gov%2Findex.html&attribute[danger]=yes")


@pytest.fixture
def city311(services):
    intake.ensure_routing_rules(services)
    auth = AuthService(services)
    key = auth.create_token(ROOT, "citizen-app", kind="open311")
    for name, role, dept in (("wang", "dispatcher", None), ("op-cg", "operator", "CG"), ("boss", "leader", None)):
        auth.add_user(ROOT, name, role, dept, PASSWORD)
    tokens = {n: auth.create_token(ROOT, n) for n in ("wang", "op-cg", "boss")}
    server = build_server(services)
    server.testing = True
    return server.test_client(), key, tokens, auth


def form_post(client, fmt, body):
    return client.post(f"/open311/v2/requests.{fmt}", data=body,
                       content_type="application/x-www-form-urlencoded")


def xml_root(response):
    assert response.content_type == "text/xml; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"<?xml version=") and b"encoding='UTF-8'" in body[:60]
    return ET.fromstring(body)


def test_discovery_services_and_definitions_in_json_and_xml(city311, small_city):
    client, _, _, _ = city311
    r = client.get("/open311/v2/discovery.json")
    assert r.status_code == 200 and r.content_type == "application/json; charset=utf-8"
    endpoint = r.json["endpoints"][0]
    assert endpoint["specification"] == spec.SPECIFICATION and endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_root(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery" and [f.text for f in root.find("endpoints/endpoint/formats")] == \
        ["text/xml", "application/json"]

    # GET services (spec: /services.xml?jurisdiction_id=city.gov)
    services = client.get("/open311/v2/services.json?jurisdiction_id=city.gov").json
    assert [s["service_code"] for s in services] == [c.code for c in small_city.reportable_categories()]
    first = services[0]
    assert set(first) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert first["metadata"] is True and first["type"] == "realtime"
    root = xml_root(client.get("/open311/v2/services.xml?jurisdiction_id=city.gov"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text == "true" and root.find("service/service_code").text == "0101"

    # GET service definition (spec: /services/033.xml)
    definition = client.get("/open311/v2/services/0101.json?jurisdiction_id=city.gov").json
    assert definition["service_code"] == "0101"
    danger = definition["attributes"][0]
    assert danger["code"] == "danger" and danger["datatype"] == "singlevaluelist" and danger["variable"] is True
    assert [v["key"] for v in danger["values"]] == ["yes", "no"]
    root = xml_root(client.get("/open311/v2/services/0101.xml"))
    assert root.tag == "service_definition"
    assert [v.find("key").text for v in root.findall("attributes/attribute")[0].find("values")] == ["yes", "no"]
    # an unknown service: 404 with the error array
    r = client.get("/open311/v2/services/9999.json")
    assert r.status_code == 404 and r.json[0]["code"] == 404 and "9999" in r.json[0]["description"]
    r = client.get("/open311/v2/services/9999.xml")
    root = xml_root(r)
    assert r.status_code == 404 and root.tag == "errors" and root.find("error/code").text == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_as_the_spec_example_then_read_it_back(city311, services, fmt):
    client, key, tokens, _ = city311
    r = form_post(client, fmt, SPEC_POST.format(key=key))
    assert r.status_code == 201, r.get_data(as_text=True)
    if fmt == "json":
        created = r.json
        assert len(created) == 1 and set(created[0]) == {"service_request_id", "service_notice", "account_id"}
        request_id = created[0]["service_request_id"]
        assert created[0]["account_id"] == "123456"
    else:
        root = xml_root(r)
        assert root.tag == "service_requests" and root.find("request/service_notice").text
        request_id = root.find("request/service_request_id").text
    # it is an incident like any other: reported, P1 (someone is in danger), source open311
    with services.store.connect() as conn:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.code == request_id)).one()._mapping
        contact = conn.execute(sa.select(t.open311_contacts)).one()._mapping
    assert row["status"] == "reported" and row["priority"] == 1 and row["source"] == "open311"
    assert row["details"]["media_url"] == "http://city.gov/index.html" and row["details"]["attributes"] == {"danger": "yes"}
    assert row["reporter_name"] == "john smith" and row["reporter_phone"] == "111111111"
    assert contact["email"] == "smit222@sfgov.edu" and contact["device_id"] == "tt222111"

    # GET a request (spec: /requests/638344.xml) and GET requests
    r = client.get(f"/open311/v2/requests/{request_id}.{fmt}?jurisdiction_id=city.gov")
    assert r.status_code == 200
    if fmt == "json":
        record = r.json[0]
        assert record["service_request_id"] == request_id and record["status"] == "open"
        assert record["lat"] == pytest.approx(37.76524078) and record["long"] == pytest.approx(-122.4212043)
        assert record["address"] == "1234 5th street" and record["media_url"] == "http://city.gov/index.html"
        assert record["requested_datetime"].endswith("+08:00")   # the city's zone, with its offset
    else:
        root = xml_root(r)
        assert root.find("request/service_request_id").text == request_id
        assert root.find("request/status").text == "open" and root.find("request/account_id") is None
    listing = client.get(f"/open311/v2/requests.{fmt}?status=open").get_data(as_text=True)
    assert request_id in listing
    # the reporter's contact is never served, in any format
    for path in (f"/open311/v2/requests.{fmt}?extensions=true", f"/open311/v2/requests/{request_id}.{fmt}?extensions=true"):
        body = client.get(path).get_data(as_text=True)
        for private in ("smit222", "111111111", "john", "tt222111"):
            assert private not in body, (path, private)
    # … and in the JSON API only roles that may see reporters see them unmasked
    api = {name: client.get(f"/api/v1/incidents/{row['id']}", headers={"Authorization": f"Bearer {tok}"})
           for name, tok in tokens.items()}
    assert api["wang"].json["reporter_phone"] == "111111111" and api["wang"].json["reporter_name"] == "john smith"
    assert api["boss"].json["reporter_phone"] == "111**1111" and api["boss"].json["reporter_name"] == "j*********"
    assert "smit222" not in api["wang"].get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_are_the_spec_arrays(city311, fmt):
    client, key, _, _ = city311
    cases = [
        (SPEC_POST.format(key="wrong-key"), 403, "api_key"),
        ("service_code=0101&lat=32.05&long=118.75", 403, "api_key"),
        (f"api_key={key}&lat=32.05&long=118.75", 400, "service_code is required"),
        (f"api_key={key}&service_code=0101", 400, "location"),
        (f"api_key={key}&service_code=0101&lat=32.05", 400, "together"),
        (f"api_key={key}&service_code=0101&lat=north&long=118.75", 400, "decimal degrees"),
        (f"api_key={key}&service_code=1001&lat=32.05&long=118.75", 400, "not a service"),
        (f"api_key={key}&service_code=0101&address_string=x&media_url=ftp%3A%2F%2Fx", 400, "media_url"),
        (f"api_key={key}&service_code=0101&address_string=x&attribute[WHISHETN]=123", 400, "WHISHETN"),
        (f"api_key={key}&service_code=0101&address_string=x&attribute[danger]=maybe", 400, "one of"),
    ]
    for body, status, text in cases:
        r = form_post(client, fmt, body)
        assert r.status_code == status, (body, r.get_data(as_text=True))
        if fmt == "json":
            assert r.json[0]["code"] == status and text in r.json[0]["description"], (body, r.json)
        else:
            error = xml_root(r).find("error")
            assert error.find("code").text == str(status) and text in error.find("description").text
    for path, status in ((f"/open311/v2/requests/nope.{fmt}", 404), (f"/open311/v2/requests.{fmt}?status=lost", 400),
                         (f"/open311/v2/requests.{fmt}?start_date=yesterday", 400),
                         (f"/open311/v2/requests.{fmt}?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                          400),
                         (f"/open311/v2/requests.{fmt}?page_size=0", 400), (f"/open311/v2/nothing.{fmt}", 404)):
        r = client.get(path)
        assert r.status_code == status, (path, r.get_data(as_text=True))
        assert (r.json[0]["code"] if fmt == "json" else int(xml_root(r).find("error/code").text)) == status
    r = client.put(f"/open311/v2/requests.{fmt}")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, POST"
    # nothing was stored by the refused posts
    assert client.get("/open311/v2/requests.json").json == []


def _incident(services, code="0101", reported_days_ago=0.0, ref="r"):
    now = datetime.now(timezone.utc)
    draft = IncidentDraft(category=code, title="t", source="test", source_ref=ref, lat=32.05, lon=118.75,
                          reported_at=now - timedelta(days=reported_days_ago), description=f"report {ref}")
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, Identity("system", "system"), now)
    return row


def test_get_requests_filters_and_the_spec_defaults(city311, services, monkeypatch):
    client, _, _, _ = city311
    recent = _incident(services, "0101", 1, "recent")
    old = _incident(services, "0502", 100, "old")
    _incident(services, "1001", 1, "congestion")          # a feed's incident, not a citizen service
    # default window: the last 90 days (spec example: ?start_date=…&end_date=…&status=open)
    ids = [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json]
    assert ids == [recent["code"]]
    start = (datetime.now(timezone.utc) - timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(timezone.utc) - timedelta(days=95)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = client.get("/open311/v2/requests.json?" + urlencode({"start_date": start, "end_date": end, "status": "open"}))
    assert [x["service_request_id"] for x in r.json] == [old["code"]]
    r = client.get("/open311/v2/requests.xml?start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open")
    assert r.status_code == 200 and xml_root(r).findall("request") == []
    assert client.get("/open311/v2/requests.json?status=closed").json == []
    assert [x["service_code"] for x in client.get("/open311/v2/requests.json?service_code=0502,0101").json] == ["0101"]
    both = client.get(f"/open311/v2/requests.json?service_request_id={recent['code']},{old['code']}").json
    assert {x["service_request_id"] for x in both} == {recent["code"], old["code"]}   # overrides the window
    # at most 1000 (here: the limit made small) — and paging past it with the page/page_size extension
    monkeypatch.setattr(spec, "MAX_REQUESTS", 2)
    for n in range(3):
        _incident(services, "0101", 2, f"more{n}")
    assert len(client.get("/open311/v2/requests.json").json) == 2
    assert len(client.get("/open311/v2/requests.json?page_size=50").json) == 2
    assert len(client.get("/open311/v2/requests.json?page=2").json) == 2


def test_our_open311_client_reads_what_our_server_serves(city311, services):
    client, key, _, _ = city311
    for n, fmt in enumerate(("json", "xml")):
        assert form_post(client, fmt, f"api_key={key}&service_code=0101&lat=32.0{n + 1}&long=118.75"
                                      f"&description=report+{n}&first_name=Li&phone=13800000000").status_code == 201
    form_post(client, "json", f"api_key={key}&service_code=0502&address_string=%E4%B8%AD%E5%B1%B1%E8%B7%AF+1%E5%8F%B7")
    for fmt in ("json", "xml"):
        parsed = parse(client.get(f"/open311/v2/requests.{fmt}?extensions=true").get_data())
        assert not parsed.rejects and len(parsed) == 3
        by_code = {e.payload["service_code"]: e for e in parsed}
        assert by_code["0502"].lat is None and by_code["0502"].payload["address"] == "中山路 1号"
        assert {e.payload["status"] for e in parsed} == {"open"}
        assert all(e.payload["reporter_name"] is None and e.payload["reporter_phone"] is None for e in parsed)
    with pytest.raises(Open311Error) as refused:
        parse(client.get("/open311/v2/requests/nope.xml").get_data())
    assert refused.value.code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_open311_connector_polls_our_server_over_http(city311, services, fmt):
    from werkzeug.serving import make_server
    client, key, _, _ = city311
    for n in range(3):
        form_post(client, "json", f"api_key={key}&service_code=0101&lat=32.0{n + 1}&long=118.75")
    http = make_server("127.0.0.1", 0, build_server(services), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        connector = Open311Connector(f"http://127.0.0.1:{http.server_port}/open311/v2", fmt=fmt, page_size=2,
                                     timeout=5)
        sink = MemorySink()
        total, summary = connector.poll(sink)
    finally:
        http.shutdown()
        thread.join(5)
    assert total == 3 and not sink.dead and len({e.source_id for e in sink.events}) == 3, summary
    assert sink.checkpoints["open311"]


FIELDS = ("service_code", "lat", "long", "address_string", "address_id", "email", "first_name", "last_name", "phone",
          "description", "media_url", "device_id", "account_id", "attribute[danger]", "attribute[location_detail]")


def test_any_form_gets_a_spec_answer_never_a_server_error(city311):
    """Whatever a client posts: 201 with an id, or the spec's error array with 400/403 — never a 500."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    client, key, _, _ = city311
    answers = set()
    values = st.one_of(st.sampled_from(["0101", "0502", "32.05", "118.75", "yes", "http://x/y.jpg", ""]),
                       st.text(max_size=30))

    @given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), st.booleans(), st.sampled_from(["json", "xml"]))
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def post(form, with_key, fmt):
        r = client.post(f"/open311/v2/requests.{fmt}", data=form | ({"api_key": key} if with_key else {}))
        assert r.status_code in (201, 400, 403), (form, r.status_code, r.get_data(as_text=True))
        answers.add(r.status_code)
        if r.status_code != 201:
            body = r.json if fmt == "json" else [{"code": int(xml_root(r).find("error/code").text)}]
            assert body[0]["code"] == r.status_code

    post()
    assert {400, 403} <= answers


def test_a_json_body_is_accepted_too(city311, services):
    """Not the spec's form, but some apps post JSON: the same fields, attributes as an object."""
    client, key, _, _ = city311
    r = client.post("/open311/v2/requests.json", json={"api_key": key, "service_code": "0502", "lat": 32.05,
                                                       "long": 118.75, "attributes": {"danger": "yes"}})
    assert r.status_code == 201, r.json
    record = client.get(f"/open311/v2/requests/{r.json[0]['service_request_id']}.json?extensions=true").json[0]
    assert record["service_code"] == "0502" and record["extended_attributes"]["priority"] == 3   # 4, one step up
    r = client.post("/open311/v2/requests.json", json={"api_key": key, "service_code": "0502", "lat": 32.05,
                                                       "long": 118.75, "attributes": {"danger": "perhaps"}})
    assert r.status_code == 400 and "one of" in r.json[0]["description"]
