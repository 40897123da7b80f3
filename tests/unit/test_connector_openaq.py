"""OpenAQ v3: the docs' location and latest shapes joined; unit conversion; bad readings."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import openaq
from connectors.base import ParseError
from dashboard.domain.events import AIR_READING
from tests.support.sinks import MemorySink

FIX = Path(__file__).parent.parent / "fixtures" / "openaq"


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.fixture(scope="module")
def del_norte() -> openaq.Location:
    return openaq.parse_location(load("location_2178.json"))


def test_location_and_its_sensors(del_norte):
    assert (del_norte.id, del_norte.name, del_norte.lat, del_norte.lon) == ("2178", "Del Norte", 35.1353, -106.584702)
    assert del_norte.sensors["3918"].pollutant == "pm25" and del_norte.sensors["3918"].factor == 1.0
    assert del_norte.sensors["3917"].pollutant == "co" and del_norte.sensors["3917"].unit == "ppm"
    assert del_norte.sensors["25594"].pollutant is None          # temperature: not an AQI pollutant
    assert del_norte.rejects == []


def test_latest_joined_with_sensors_converts_units(del_norte):
    parsed = openaq.parse(load("latest_2178.json"), del_norte)
    assert not parsed.rejects
    readings = {e.payload["pollutant"]: e for e in parsed}
    assert set(readings) == {"co", "no2", "o3", "pm25", "so2"}   # the temperature is passed over
    pm = readings["pm25"]
    assert pm.kind == AIR_READING and pm.source == "openaq" and pm.source_id == "3918@2025-06-11T14:00:00Z"
    assert pm.payload == {"station_id": "2178", "pollutant": "pm25", "value": 7.1, "unit": "µg/m³",
                          "sensor_id": "3918", "location_id": "2178"}
    assert pm.observed_at == datetime(2025, 6, 11, 14, tzinfo=timezone.utc)
    assert (pm.lat, pm.lon) == (35.1353, -106.584702)
    assert readings["co"].payload["unit"] == "mg/m³"
    assert readings["co"].payload["value"] == pytest.approx(0.2 * 28.010 / 24.45, abs=0.001)   # ppm → mg/m³
    assert readings["no2"].payload["value"] == pytest.approx(0.006 * 1000 * 46.0055 / 24.45, abs=0.01)
    assert readings["o3"].payload["value"] == pytest.approx(0.041 * 1000 * 48.00 / 24.45, abs=0.01)
    assert readings["so2"].payload["value"] == pytest.approx(1.5 * 64.066 / 24.45, abs=0.01)   # ppb
    assert (readings["so2"].lat, readings["so2"].lon) == (35.1353, -106.584702)   # null coordinates: the location's


def test_station_id_mapping(del_norte):
    parsed = openaq.parse(load("latest_2178.json"), del_norte, station_ids={"2178": "1001A"})
    assert {e.payload["station_id"] for e in parsed} == {"1001A"}


def test_bad_readings_are_rejected_one_by_one(del_norte):
    parsed = openaq.parse(load("latest_bad_items.json"), del_norte)
    assert [e.source_id for e in parsed] == ["3918@2025-06-11T14:00:00Z"]
    assert [r.reason for r in parsed.rejects] == [
        "results[1].sensorsId: sensor 999999 is not among the sensors of location 2178",
        "results[2].value: negative concentration -999.0",
        "results[3].value: not a number: 'n/a'",
        "results[4].datetime: missing",
        "results[5].locationsId: a reading of location 8118, not of location 2178",
        "results[6]: expected an object, got str",
    ]
    assert json.loads(parsed.rejects[0].raw)["sensorsId"] == 999999


def test_joined_payload_with_unusable_sensors():
    parsed = openaq.parse_joined(load("joined_lanhai.json"), station_ids={"80001": "1001A"})
    assert [(e.payload["pollutant"], e.payload["value"], e.payload["unit"]) for e in parsed] == [
        ("pm25", 70.4, "µg/m³"), ("co", 0.8, "mg/m³")]
    assert all(e.payload["station_id"] == "1001A" for e in parsed)
    assert [r.reason for r in parsed.rejects] == [
        "location.sensors[3].parameter: missing",
        "latest.results[2].value: unit 'particles/cm³' of sensor 800013 (pm10) cannot be converted to µg/m³",
    ]


def test_a_bare_location_object_is_accepted():
    doc = json.loads(load("location_2178.json"))["results"][0]
    assert openaq.parse_location(json.dumps(doc)).sensors.keys() == {"3917", "3920", "3919", "3918", "25593", "25594"}


@pytest.mark.parametrize("body, message", [
    (load("not_found.json"), "results: expected an object with a results array"),
    (b'{"meta": {}, "results": []}', "results: empty: no such location"),
    (b'{"results": [{"id": 1}]}', "results[0].sensors: missing"),
    (b'{"results": [{"sensors": []}]}', "results[0].id: missing"),
    (b'{"results": [{"id": 1, "sensors": [], "coordinates": {"latitude": 95, "longitude": 0}}]}',
     "results[0].coordinates.latitude: latitude 95.0 out of range"),
    (b"[", "location: not JSON"),
])
def test_unusable_locations(body, message):
    with pytest.raises(ParseError) as info:
        openaq.parse_location(body)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("body, message", [
    (b"[]", "payload: expected an object"),
    (b'{"location": {"id": 1, "sensors": []}}', "latest: missing"),
    (b'{"location": {"id": 1, "sensors": []}, "latest": {"results": 3}}', "latest.results: expected an array"),
])
def test_unusable_joined_payloads(body, message):
    with pytest.raises(ParseError) as info:
        openaq.parse_joined(body)
    assert str(info.value).startswith(message)


# -- the polling connector ------------------------------------------------------------------------------


def answering(connector, answers: dict):
    """The connector's GET answers from `answers` (path → body, or an exception to raise); asked paths are kept."""
    from connectors.http import HttpResponse
    asked: list[str] = []

    def get(url, params=None, headers=None):
        path = url.split("/v3", 1)[1]
        asked.append(path)
        answer = answers[path]
        if isinstance(answer, Exception):
            raise answer
        return HttpResponse(url, 200, {}, answer)
    connector.get = get
    return asked


def test_connector_reads_the_location_once_and_again_only_for_an_unknown_sensor():
    sink = MemorySink()
    c = openaq.OpenAQConnector("http://aq/v3", {"2178": "A01"}, api_key="K")
    location = json.loads(load("location_2178.json"))
    answers = {"/locations/2178": json.dumps(location).encode(), "/locations/2178/latest": load("latest_2178.json")}
    asked = answering(c, answers)
    count, _ = c.poll(sink)
    c.poll(sink)
    assert asked == ["/locations/2178", "/locations/2178/latest", "/locations/2178/latest"]
    assert count == 5 and {e.payload["station_id"] for e in sink.events} == {"A01"}
    assert json.loads(sink.checkpoints["openaq"]) == {"2178": "2025-06-11T14:00:00Z"}

    latest = json.loads(load("latest_2178.json"))      # a sensor the location did not list yet
    latest["results"].append({**latest["results"][3], "sensorsId": 7777})
    location["results"][0]["sensors"].append({**location["results"][0]["sensors"][3], "id": 7777})
    answers.update({"/locations/2178": json.dumps(location).encode(),
                    "/locations/2178/latest": json.dumps(latest).encode()})
    c.poll(sink)
    assert asked[3:] == ["/locations/2178/latest", "/locations/2178"]
    assert any(e.payload["sensor_id"] == "7777" for e in sink.events) and sink.dead == []


def test_one_failing_location_does_not_hold_up_the_others_but_fails_the_poll():
    from connectors.base import ConnectorError, SourceUnavailable
    sink = MemorySink()
    c = openaq.OpenAQConnector("http://aq/v3", {"99": "X", "2178": "A01"})
    answering(c, {"/locations/99": SourceUnavailable("http://aq/v3/locations/99: HTTP 500"),
                  "/locations/2178": load("location_2178.json"), "/locations/2178/latest": load("latest_2178.json")})
    with pytest.raises(ConnectorError, match=r"location 99: .*HTTP 500 \(5 readings of the others stored\)"):
        c.poll(sink)
    assert len(sink.events) == 5 and json.loads(sink.checkpoints["openaq"]).keys() == {"2178"}


def test_locations_setting():
    assert openaq.parse_locations_setting(" 2178=A01 , 8118,") == {"2178": "A01", "8118": "8118"}
    with pytest.raises(ValueError, match="repeated"):
        openaq.parse_locations_setting("1,1=A")
