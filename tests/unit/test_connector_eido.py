"""NENA EIDO JSON: incidents → case_report events with an emergency category, place, notes, status."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import eido
from connectors.base import ParseError
from dashboard.demo.taxonomy import BY_CODE
from dashboard.domain.events import CASE_REPORT

FIX = Path(__file__).parent.parent / "fixtures" / "eido"


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_nena_structure_fire():
    (event,) = eido.parse(load("nena_structure_fire.json"))
    assert event.kind == CASE_REPORT and event.source == "eido"
    assert event.source_id == "urn:emergency:uid:incidentid:a7f3c2b1e9d4:cad.allegheny.pa.us"
    assert event.observed_at == datetime(2025, 6, 11, 17, 58, 3, 10000, tzinfo=timezone.utc)   # the call
    assert event.updated_at == datetime(2025, 6, 11, 18, 5, 12, 450000, tzinfo=timezone.utc)   # the incident
    p = event.payload
    assert p["service_code"] == "1202" and BY_CODE["1202"].name_en == "Fire"
    assert (p["service_name"], p["incident_type"], p["priority"]) == ("Fire.Structure", "Fire.Structure", 8)
    assert (p["status"], p["status_notes"]) == ("open", "Dispatched; DISP")
    # the referenced incident location (not the caller's), from its PIDF-LO circle, latitude first
    assert (event.lat, event.lon) == (40.4406, -79.9959)
    assert p["address"] == "436 Smithfield St, Pittsburgh, PA 15222"
    # the referenced notes only, HTML reduced to text
    assert p["description"] == ("Caller reports smoke from 3rd floor windows & alarm sounding.\n"
                                "Engine 4 on scene, working fire.")
    assert p["reporter_name"] is None and p["reporter_phone"] is None   # callers' data is not carried over
    assert "Jane" not in json.dumps(event.to_json())


def test_array_of_eidos_geojson_places_and_statuses():
    crash, landslide = eido.parse(load("lanhai_incidents.json"))
    assert crash.payload["service_code"] == "1002" and crash.payload["status"] == "closed"
    assert (crash.lat, crash.lon) == (32.0312, 118.8105)                  # GeoJSON is longitude first
    assert crash.payload["address"] == "澜海市江宁路与中山大道交叉口"          # locationDescriptionText
    assert crash.payload["description"] == "两车追尾，无人员受伤，已清障。"
    assert landslide.source_id == "LH20250611-0057" and landslide.payload["service_code"] == "1203"
    assert landslide.payload["status"] == "open" and landslide.payload["status_notes"] == "Dispatched; OnScene"
    assert (landslide.lat, landslide.lon) == (32.1205, 118.7421)           # GeoJSON Feature given as text
    assert landslide.updated_at == datetime(2025, 6, 11, 1, 10, tzinfo=timezone.utc)   # the EIDO's time


@pytest.mark.parametrize("texts, code", [
    (["Fire.Structure"], "1202"), (["Vehicle Fire"], "1202"), (["WILDLAND"], "1202"),
    (["Hazard.Landslide"], "1203"), (["Earthquake"], "1203"), (["Sinkhole"], "1203"),
    (["Traffic.Crash"], "1002"), (["MVA with injuries"], "1002"), (["Hit and Run"], "1002"),
    (["Weather.Flood"], "1201"), (["Severe storm damage"], "1201"),
    (["Gas Leak"], "0902"), (["Medical.CardiacArrest"], "0999"), ([], "0999"),
    (["Law.Burglary", "fireworks complaint"], "0999"),     # whole words: "fireworks" is not a fire
    (["", "Structure Fire"], "1202"),                       # the internal text when the registry's says nothing
])
def test_category_mapping(texts, code):
    assert eido.category_of(texts) == code


@pytest.mark.parametrize("statuses, status", [
    (["Dispatched"], "open"), (["Closed"], "closed"), (["Cleared"], "closed"), (["Incident Cancelled"], "closed"),
    (["OnScene", "Completed"], "closed"), ([], "open"),
])
def test_status_mapping(statuses, status):
    assert eido.status_of(statuses) == status


def test_bad_incidents_are_rejected_and_the_rest_kept():
    parsed = eido.parse(load("mixed_bad.json"))
    assert [e.source_id for e in parsed] == ["ok-minimal"]
    assert [r.reason for r in parsed.rejects] == [
        "[0]: expected an EIDO object, got str",
        "[1].incidentComponent: missing, and no other EIDO member either",   # {"$id": …} alone is no EIDO
        "[2].incidentComponent.$id: missing",
        "[3].incidentComponent.lastUpdateTimeStamp: missing (on the incident and on the EIDO)",
        "[4].locationComponent[0].locationByValue.coordinates[1]: latitude 232.0 out of range",
        "[5].incidentComponent.locationReference: location 'loc-missing' is not among the locationComponent entries",
        "[6].locationComponent[0].locationByValue: not well-formed XML: mismatched tag at line 1 column 22",
        "[7].lastUpdateTimeStamp: not an ISO 8601 date-time: 'yesterday'",
    ]
    assert json.loads(parsed.rejects[2].raw)["incidentComponent"] == {"incidentTypeCommonRegistryText": "Fire"}
    assert parsed.skipped == []


def test_a_later_eido_of_the_same_incident_is_a_newer_version():
    doc = json.loads(load("nena_structure_fire.json"))
    first = eido.parse(json.dumps(doc))[0]
    doc["incidentComponent"]["lastUpdateTimeStamp"] = "2025-06-11T14:30:00-04:00"
    doc["incidentComponent"]["incidentStatusCommonRegistryText"] = ["Closed"]
    later = eido.parse(json.dumps(doc))[0]
    assert later.key == first.key and later.updated_at > first.updated_at
    assert later.observed_at == first.observed_at and later.payload["status"] == "closed"


@pytest.mark.parametrize("pidf, lat, lon", [
    ('<presence xmlns:gml="http://www.opengis.net/gml"><gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
     '<gml:pos>32.05 118.80</gml:pos></gml:Point></presence>', 32.05, 118.80),
    ('<presence xmlns:gml="http://www.opengis.net/gml"><gml:Point srsName="urn:ogc:def:crs:EPSG::4979">'
     '<gml:pos>32.05 118.80 12.5</gml:pos></gml:Point></presence>', 32.05, 118.80),
    ('<location xmlns:gml="http://www.opengis.net/gml"><gml:Polygon><gml:exterior><gml:LinearRing>'
     '<gml:posList>32.0 118.0 32.0 119.0 33.0 119.0 33.0 118.0 32.0 118.0</gml:posList>'
     '</gml:LinearRing></gml:exterior></gml:Polygon></location>', 32.5, 118.5),
    ('<presence><civicAddress/></presence>', None, None),
])
def test_pidf_lo_shapes(pidf, lat, lon):
    assert eido.location_by_value(pidf, "loc")[:2] == (lat, lon)


@pytest.mark.parametrize("value, message", [
    ('<presence xmlns:gml="http://www.opengis.net/gml"><gml:Point/></presence>', "loc.Point.pos: a gml:Point without"),
    ({"type": "LineString", "coordinates": []}, "loc: expected a GeoJSON Point or a PIDF-LO document"),
    (42, "loc: expected a PIDF-LO document or a GeoJSON Point, got int"),
    ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "loc: refused"),
])
def test_unusable_locations(value, message):
    with pytest.raises(ParseError) as info:
        eido.location_by_value(value, "loc")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("body, message", [
    (load("not_eido.json"), "eido: not an EIDO: no $id, eidoVersion or …Component member"),
    (b'{"incidentComponent": "fire"}', "incidentComponent: expected an object"),
    (b"42", "eido: expected an EIDO object or an array of them, got int"),
    (b"{", "eido: not JSON"),
])
def test_unusable_documents(body, message):
    with pytest.raises(ParseError) as info:
        eido.parse(body)
    assert str(info.value).startswith(message)


# -- NENA-STA-021.1b as published: NENA's JSON Schema, the Incident component's $id, optional Incident --

SCHEMA = json.loads((FIX / "nena_sta021_schema.json").read_text())


@pytest.mark.parametrize("name", ["sta021_incident.json", "sta021_call_transfer.json"])
def test_fixtures_conform_to_nenas_published_schema(name):
    import jsonschema
    validator = jsonschema.Draft7Validator(SCHEMA)
    assert [e.message for e in validator.iter_errors(json.loads(load(name)))] == []


def test_the_schema_has_no_tracking_field_but_the_incidents_id():
    incident = SCHEMA["components"]["schemas"]["IncidentInformationType"]
    fields = {k for part in incident["allOf"] for k in part.get("properties", {})}
    fields |= set(SCHEMA["components"]["schemas"]["PrologueType"]["properties"])
    assert "$id" in fields and "incidentTrackingIdentifier" not in fields


def test_the_incident_tracking_id_is_the_incident_components_id():
    (event,) = eido.parse(load("sta021_incident.json"))
    assert event.source_id == "urn:emergency:uid:incidentid:7d31b0:cad.lanhai.example.cn"
    assert event.payload["service_code"] == "1202" and event.payload["service_name"] == "Fire.Vehicle"
    assert (event.lat, event.lon) == (32.0412, 118.7835)
    assert event.payload["description"] == "Car burning on the Jiangning Rd flyover, lane 2 blocked."
    assert event.observed_at == datetime(2025, 7, 2, 0, 37, 55, 500000, tzinfo=timezone.utc)


def test_an_eido_without_an_incident_is_valid_and_skipped_with_a_reason():
    parsed = eido.parse(load("sta021_call_transfer.json"))
    assert list(parsed) == [] and parsed.rejects == []
    (skip,) = parsed.skipped
    assert skip.reason == ("incidentComponent: none in this EIDO urn:emergency:uid:eido:a81:psap.lanhai.example.cn "
                           "(e.g. a call transfer): no case to make")
    assert "not an EIDO" not in skip.reason


def test_an_earlier_drafts_tracking_field_still_serves_when_there_is_no_id():
    doc = {"lastUpdateTimeStamp": "2025-06-11T09:10:00+08:00", "eidoVersion": "1.0",
           "incidentComponent": {"incidentTrackingIdentifier": "old-1"}}
    assert eido.parse(json.dumps(doc))[0].source_id == "old-1"
    doc["incidentComponent"]["$id"] = "new-1"
    assert eido.parse(json.dumps(doc))[0].source_id == "new-1"


def test_cityops_parse_says_why_a_call_transfer_eido_gives_nothing(capsys):
    from dashboard.cli import main
    assert main(["parse", "--format", "eido", str(FIX / "sta021_call_transfer.json")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "skipped incidentComponent: none in this EIDO" in captured.err


def test_cityops_parse_reads_a_gzipped_file(tmp_path, capsys):
    import gzip
    from dashboard.cli import main
    path = tmp_path / "incident.json.gz"
    path.write_bytes(gzip.compress(load("sta021_incident.json")))
    assert main(["parse", "--format", "eido", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["source_id"].startswith("urn:emergency:uid:incidentid:7d31b0")
