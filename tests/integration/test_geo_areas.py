"""Areas by code and the unit grid at work: a CAP alert with only a <geocode> lands on its district
(the map's alert layer and the lists); every incident gets its grid cell; routing rules may name a
cell, and the more specific rule wins (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dashboard.demo.taxonomy import DEMO_CATEGORIES
from dashboard.domain.city import City, Department, District
from dashboard.domain.events import ALERT, Event
from dashboard.domain.identity import Identity
from dashboard.domain.routing import RoutingRule
from dashboard.services import geography, intake, open_data
from dashboard.services.incident_queries import list_incidents, parse_filters
from dashboard.services.ingest import IngestService
from dashboard.services.operations import operations_snapshot
from dashboard.store import routing as routing_store, utcnow
from tests.conftest import services_on

ADMIN = Identity("root", "admin", via="cli")


def _square(x0, y0, size):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size],
                                                [x0, y0]]]}


@pytest.fixture
def coded(store, tmp_path):
    """Two districts with administrative division codes, and a grid of 4 cells in the west one."""
    base = City("澜海市", "Lanhai", (118.80, 32.05),
                (District("320102", "玄武区", "Xuanwu", _square(118.70, 32.00, 0.1)),
                 District("320104", "秦淮区", "Qinhuai", _square(118.80, 32.00, 0.1))),
                (Department("CG", "城管局", "City Management", ("0101", "1201", "0999")),
                 Department("GRID", "网格站", "Grid station", ("0101",))), (), (), categories=DEMO_CATEGORIES)
    svc = services_on(store, base, tmp_path)
    cells = [{"code": f"3201020010010{i}{j}", "district": "320102", "name": "",
              "geometry": _square(118.70 + 0.05 * i, 32.00 + 0.05 * j, 0.05)} for i in range(2) for j in range(2)]
    geography.import_grid(svc.store, cells)
    return svc


def _alert(identifier, payload_extra, severity="Severe"):
    now = datetime.now(timezone.utc)
    payload = {"identifier": identifier, "sender": "cma", "sent": now.isoformat(), "status": "Actual",
               "msg_type": "Alert", "scope": "Public", "event": "暴雨", "severity": severity, "urgency": "Immediate",
               "certainty": "Likely", "headline_zh": "秦淮区暴雨红色预警", "headline_en": "Rainstorm red warning",
               "area_desc": "秦淮区", "geometry": None, "expires": (now + timedelta(hours=6)).isoformat(),
               **payload_extra}
    return Event("cap", ALERT, identifier, now, payload, None, None, now)


def test_geocode_only_alert_lands_on_its_district(coded):
    ingest = IngestService(coded)
    ingest.ingest("cap", [_alert("a1", {"geocodes": [{"valueName": "行政区划代码", "value": "320104"}]})])
    picture = operations_snapshot(coded)
    features = picture["alerts"]["features"]
    assert len(features) == 1 and features[0]["properties"]["districts"] == ["320104"]
    assert features[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")      # on the map: its district's outline
    listed = open_data.alerts(coded)
    assert listed[0]["districts"] == ["320104"] and listed[0]["geocodes"][0]["value"] == "320104"
    assert any(e.get("ref") == "a1" for e in picture["events"])              # the newest-events list
    found = list_incidents(coded, ADMIN, parse_filters({"district": "320104"}))             # the incident, in its district's list
    assert [i["title"] for i in found["items"]] == ["秦淮区暴雨红色预警"]
    assert found["items"][0]["lat"] is not None


def test_codes_above_and_below_districts(coded):
    def codes(*values, scheme="行政区划代码"):
        return geography.districts_for_codes(coded, [{"valueName": scheme, "value": v} for v in values])
    assert codes("320104") == ["320104"]
    assert codes("320104001") == ["320104"]                  # a street inside the district
    assert codes("320100") == ["320102", "320104"]           # the city above both
    assert codes("999999") == [] and codes("") == []
    assert codes("006037", scheme="SAME") == []
    geography.import_area_codes(coded.store, [{"scheme": "SAME", "value": "006037", "district": "320102"}])
    coded.__dict__.pop("_geo_state", None)                   # another process would see it within seconds
    assert codes("006037", scheme="SAME") == ["320102"]


def test_alert_with_a_polygon_lists_the_districts_it_touches(coded):
    area = _square(118.78, 32.01, 0.04)
    IngestService(coded).ingest("cap", [_alert("a2", {"geometry": area}, severity="Moderate")])
    assert open_data.alerts(coded)[0]["districts"] == ["320102", "320104"]


def test_incidents_get_their_grid_cell_and_rules_may_name_cells(coded):
    with coded.store.begin() as conn:
        routing_store.put_rules(conn, [RoutingRule("0101", "320102", "CG", auto_dispatch=True),
                                       RoutingRule("0101", "320102001001011", "GRID", auto_dispatch=True)], utcnow())
    inside = intake.record_manual(coded, ADMIN, {"category": "0101", "title": "井盖缺失", "lat": 32.07, "lon": 118.77})
    other = intake.record_manual(coded, ADMIN, {"category": "0101", "title": "井盖松动", "lat": 32.02, "lon": 118.72})
    outside = intake.record_manual(coded, ADMIN, {"category": "0101", "title": "井盖破损", "lat": 32.02, "lon": 118.85})
    assert inside["grid_cell"] == "320102001001011" and inside["department"] == "GRID"   # the cell's rule wins
    assert other["grid_cell"] == "320102001001000" and other["department"] == "CG"       # the district's rule
    assert outside["grid_cell"] is None and outside["district"] == "320104"
    assert geography.cell_district(coded, inside["grid_cell"]) == "320102"


def test_suggest_precedence():
    rules = [RoutingRule("0101", None, "CITY"), RoutingRule("0101", "D1", "DIST"), RoutingRule("0101", "C1", "CELL"),
             RoutingRule("g:01", "C1", "GCELL", is_group=True)]
    assert geography.suggest(rules, "0101", "D1", "C1", "g:01").department == "CELL"
    assert geography.suggest(rules, "0101", "D1", "C2", "g:01").department == "DIST"
    assert geography.suggest(rules, "0101", "D2", None, "g:01").department == "CITY"
    assert geography.suggest(rules, "0102", "D1", "C1", "g:01").department == "GCELL"
    assert geography.suggest(rules, "0102", "D1", None, "g:01") is None


def test_review_groups_by_cell(coded):
    from dashboard.services import evaluation
    from dashboard.store import evaluation as store_ev
    with coded.store.begin() as conn:   # dispatched at once: counted in the period's figures
        routing_store.put_rules(conn, [RoutingRule("0101", "320102", "CG", auto_dispatch=True)], utcnow())
    for lat, lon in ((32.07, 118.77), (32.08, 118.78), (32.02, 118.72)):
        intake.record_manual(coded, ADMIN, {"category": "0101", "title": "井盖", "lat": lat, "lon": lon})
    query = evaluation.parse_query({"period": "this_month"})
    hot = geography.hot_cells(coded, ADMIN, query)
    assert [(c["code"], c["n"]) for c in hot] == [("320102001001011", 2), ("320102001001000", 1)]
    assert hot[0]["district"] == "320102" and hot[0]["geometry"]["type"] == "Polygon"
    with coded.store.begin() as conn:
        store_ev.refresh_facts(conn, full=True)
        drill = evaluation.parse_query({"period": "this_month", "grid_cell": "320102001001011"})
        assert drill.filters == (("grid_cell", "320102001001011"),)
        counts = store_ev.group_counts(conn, evaluation.periods(coded, query, utcnow())[0], utcnow(), "grid_cell")
    assert set(counts) >= {"320102001001011", "320102001001000"}


CAP_GEOCODE_ONLY = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>CN-GD-2026-0042</identifier><sender>weather@cma.example</sender>
  <sent>{sent}</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info>
    <language>zh-CN</language><category>Met</category><event>暴雨</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <expires>{expires}</expires>
    <headline>秦淮区暴雨橙色预警</headline>
    <area><areaDesc>秦淮区</areaDesc>
      <geocode><valueName>行政区划代码</valueName><value>320104</value></geocode>
    </area>
  </info>
</alert>"""


def test_a_cap_document_with_only_a_geocode_through_the_parser(coded):
    from connectors import cap
    now = datetime.now(timezone.utc).replace(microsecond=0)
    xml = CAP_GEOCODE_ONLY.format(sent=now.isoformat(), expires=(now + timedelta(hours=3)).isoformat())
    events = cap.parse(xml).events
    assert events[0].payload["geocodes"] == [{"valueName": "行政区划代码", "value": "320104"}]
    assert events[0].lat is None and not events[0].payload.get("geometry")
    IngestService(coded).ingest("cap", events)
    alert = open_data.alerts(coded)[0]
    assert alert["districts"] == ["320104"] and alert["geometry"]["type"] in ("Polygon", "MultiPolygon")
    found = list_incidents(coded, ADMIN, parse_filters({"district": "320104"}))
    assert [i["title"] for i in found["items"]] == ["秦淮区暴雨橙色预警"]


def test_a_report_located_only_by_code_lands_in_its_district(coded):
    from dashboard.domain.events import CASE_REPORT
    now = datetime.now(timezone.utc)
    event = Event("eido", CASE_REPORT, "eido-7", now,
                  {"service_code": "0101", "description": "井盖缺失", "address": "秦淮区某街道",
                   "location_codes": [{"valueName": "行政区划代码", "value": "320104003"}]}, None, None, now)
    IngestService(coded).ingest("eido", [event])
    found = list_incidents(coded, ADMIN, parse_filters({"district": "320104"}))["items"]
    assert len(found) == 1 and found[0]["lat"] is not None and found[0]["source"] == "eido"
