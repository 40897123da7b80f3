"""DATEX II measured data, 2.3 and 3: sites → segment speeds, missing values, bad sites, bad documents."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import datex2
from connectors.base import ParseError
from dashboard.domain.events import SEGMENT_SPEED

FIX = Path(__file__).parent.parent / "fixtures" / "datex2"


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


def by_site(parsed) -> dict:
    return {e.payload["segment_id"]: e for e in parsed}


def test_v2_sites_become_segment_speeds_with_lanes_combined():
    parsed = datex2.parse(load("v2_measured_data.xml"))
    sites = by_site(parsed)
    first = sites["RWS01_MONIBAS_0021hrl0403ra"]
    assert first.kind == SEGMENT_SPEED and first.source == "datex2"
    assert first.source_id == "RWS01_MONIBAS_0021hrl0403ra@2025-06-11T06:15:00Z"
    assert first.observed_at == datetime(2025, 6, 11, 6, 15, tzinfo=timezone.utc)   # +02:00 → UTC
    assert first.payload["flow_vph"] == 1080 + 600                                   # lanes add up
    assert first.payload["speed_kmh"] == round((1080 * 95 + 600 * 107) / 1680, 1)    # flow-weighted
    assert first.lat is None and first.lon is None


def test_minus_one_and_no_input_values_are_missing_never_minus_one():
    sites = by_site(datex2.parse(load("v2_measured_data.xml")))
    empty = sites["RWS01_MONIBAS_0021hrl0410ra"].payload
    assert empty == {"segment_id": "RWS01_MONIBAS_0021hrl0410ra", "speed_kmh": None, "flow_vph": 0}
    # 60 km/h from numberOfInputValuesUsed="0" is not a measurement; no flows: a plain mean of 50 and 40
    assert sites["GEO02_R_RWSTI3"].payload == {"segment_id": "GEO02_R_RWSTI3", "speed_kmh": 45.0, "flow_vph": None}
    # a flow marked dataError is missing; the speed after it then has no weight
    assert sites["RWS01_MONIBAS_ERROR"].payload["flow_vph"] is None
    assert sites["RWS01_MONIBAS_ERROR"].payload["speed_kmh"] == 88.5
    assert all(e.payload["speed_kmh"] != -1 for e in sites.values())


def test_bad_sites_are_rejected_one_by_one_with_where():
    parsed = datex2.parse(load("v2_measured_data.xml"))
    assert [r.reason for r in parsed.rejects] == [
        "siteMeasurements[3].measuredValue[1].averageVehicleSpeed.speed: not a number: 'fast'",
        "siteMeasurements[4].measurementSiteReference: missing",
        "siteMeasurements[5].measurementTimeDefault: missing",
        "siteMeasurements[6].measuredValue[1].vehicleFlow.vehicleFlowRate: negative flow -20.0",
    ]
    assert "RWS01_MONIBAS_BROKEN" in parsed.rejects[0].raw and parsed.rejects[0].raw.startswith("<")
    assert len(parsed) == 4


def test_v3_message_container_reads_the_same_way():
    parsed = datex2.parse(load("v3_measured_data.xml"))
    assert not parsed.rejects
    sites = by_site(parsed)
    assert set(sites) == {"RWS01_MONIBAS_0271hrl0063ra", "RWS01_MONIBAS_0270vwd0063ra"}   # the site table is not data
    lanes = sites["RWS01_MONIBAS_0271hrl0063ra"]
    assert lanes.payload["flow_vph"] == 960 and isinstance(lanes.payload["flow_vph"], int)   # "600.0" is 600
    assert lanes.payload["speed_kmh"] == round((360 * 127 + 600 * 107) / 960, 1)
    assert lanes.observed_at == datetime(2025, 6, 11, 6, 15, tzinfo=timezone.utc)    # nested timeValue
    assert sites["RWS01_MONIBAS_0270vwd0063ra"].payload["speed_kmh"] is None


def test_a_soap_envelope_around_the_document_is_opened():
    inner = load("v3_measured_data.xml").split(b"?>", 1)[1]
    wrapped = (b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
               + inner + b"</soap:Body></soap:Envelope>")
    assert len(datex2.parse(wrapped)) == 2


def test_same_instant_same_source_id_whatever_the_offset():
    v2 = by_site(datex2.parse(load("v2_measured_data.xml")))
    assert v2["GEO02_R_RWSTI3"].source_id.endswith("@2025-06-11T06:15:00Z")
    assert v2["RWS01_MONIBAS_0021hrl0403ra"].source_id.endswith("@2025-06-11T06:15:00Z")


@pytest.mark.parametrize("name, message", [
    ("situation_publication.xml", "payloadPublication: expected a MeasuredDataPublication, got SituationPublication"),
    ("not_datex.xml", "trafficData: namespace 'http://example.org/traffic' of <trafficData> is not DATEX II"),
    ("truncated.xml", "d2LogicalModel: not well-formed XML"),
    ("entity_expansion.xml", "d2LogicalModel: refused: the document contains a DOCTYPE declaration"),
])
def test_unusable_documents(name, message):
    with pytest.raises(ParseError) as info:
        datex2.parse(load(name))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("body, message", [
    (b'<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0"/>', "d2LogicalModel: no payloadPublication"),
    (b"", "d2LogicalModel: not well-formed XML"),
    ("<x/>", "x: namespace '(none)'"),
    (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
     "Envelope: a SOAP envelope without a DATEX II document"),
])
def test_unusable_bodies(body, message):
    with pytest.raises(ParseError) as info:
        datex2.parse(body)
    assert str(info.value).startswith(message)
