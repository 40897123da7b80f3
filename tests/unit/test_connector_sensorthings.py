"""SensorThings API: Datastreams → station/pollutant/unit; Observations → air readings."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import sensorthings as st
from connectors.air_units import conversion_factor, pollutant_key, unit_kind
from connectors.base import ParseError
from dashboard.domain.events import AIR_READING

FIX = Path(__file__).parent.parent / "fixtures" / "sensorthings"


@pytest.fixture(scope="module")
def datastreams() -> dict[str, st.Datastream]:
    page = st.parse_datastreams((FIX / "datastreams.json").read_bytes())
    return {d.id: d for d in page.datastreams}


def test_datastreams(datastreams):
    page = st.parse_datastreams((FIX / "datastreams.json").read_bytes())
    assert [r.reason for r in page.rejects] == ["value[5].Thing: not expanded"]
    pm = datastreams["1"]
    assert (pm.station_id, pm.pollutant, pm.unit, pm.factor) == ("A01", "pm25", "µg/m³", 1.0)
    assert (pm.lat, pm.lon) == (32.0603, 118.7969)
    assert datastreams["2"].pollutant == "no2" and datastreams["2"].factor == pytest.approx(46.0055 / 24.45)
    assert datastreams["3"].pollutant == "co" and datastreams["3"].lat is None   # Thing without Locations
    assert datastreams["4"].pollutant is None                                   # temperature
    assert datastreams["5"].pollutant == "pm10" and datastreams["5"].factor is None   # PM in ppm: impossible


def test_observations_page_with_next_link(datastreams):
    page = st.parse((FIX / "observations_page1.json").read_bytes(), datastreams)
    assert page.next_link.startswith("http://example.org/v1.1/Observations?$top=3&$skip=3")
    assert not page.rejects
    pm, no2, co = page
    assert pm.kind == AIR_READING and pm.source_id == "1001"
    assert pm.payload == {"station_id": "A01", "pollutant": "pm25", "value": 70.4, "unit": "µg/m³",
                          "datastream_id": "1"}
    assert (pm.lat, pm.lon) == (32.0603, 118.7969)
    assert pm.observed_at == datetime(2025, 6, 11, 0, 0, tzinfo=timezone.utc)
    assert pm.updated_at == datetime(2025, 6, 11, 0, 0, 5, tzinfo=timezone.utc)   # resultTime
    assert no2.payload["value"] == pytest.approx(40 * 46.0055 / 24.45, abs=0.01)   # "40" ppb → µg/m³
    assert no2.updated_at == no2.observed_at                                        # resultTime null
    assert co.payload["unit"] == "mg/m³" and co.payload["value"] == 0.8
    assert co.observed_at == datetime(2025, 6, 11, 0, 0, tzinfo=timezone.utc)      # end of the interval


def test_last_page_bad_items_and_unknown_datastreams(datastreams):
    page = st.parse((FIX / "observations_page2.json").read_bytes(), datastreams)
    assert page.next_link is None
    assert [e.source_id for e in page] == ["1011"]    # 1004 is a temperature: passed over
    assert [r.reason for r in page.rejects] == [
        "value[1].result: not a number: 'n/a'",
        "value[2].result: unit 'ppm' of Datastream 5 (pm10) cannot be converted to µg/m³",
        "value[3].Datastream: Datastream 77 is not among the server's Datastreams",
        "value[4].Datastream: not expanded ($expand=Datastream is needed)",
        "value[5].phenomenonTime: not an ISO 8601 date-time: 'last tuesday'",
        "value[6].result: negative concentration -3.0",
    ]
    assert page.unknown_datastreams == {"77"}
    assert page.latest == datetime(2025, 6, 11, 0, 10, tzinfo=timezone.utc)
    assert page.complete_through == page.latest           # the last page: nothing of that time can follow


def test_a_time_slot_split_by_the_page_size_is_not_complete_yet(datastreams):
    # the page's newest time may go on on the next page: a checkpoint there would skip the rest of it
    page = st.parse((FIX / "observations_page1.json").read_bytes(), datastreams)
    assert page.latest == datetime(2025, 6, 11, 0, 0, tzinfo=timezone.utc) and page.complete_through is None
    body = json.dumps({"value": [
        {"@iot.id": n, "phenomenonTime": at, "result": 1, "Datastream": {"@iot.id": 1}}
        for n, at in enumerate(["2025-06-11T00:00:00Z", "2025-06-11T00:00:00Z", "2025-06-11T00:05:00Z"])],
        "@iot.nextLink": "Observations?$skip=3"})
    assert st.parse(body, datastreams).complete_through == datetime(2025, 6, 11, 0, 0, tzinfo=timezone.utc)


def test_things_locations():
    places = st.parse_things((FIX / "things.json").read_bytes()).places
    assert places == {"10": (32.0603, 118.7969), "11": (32.0312, 118.8105)}


@pytest.mark.parametrize("body, message", [
    ((FIX / "not_a_collection.json").read_bytes(), "value: missing"),
    (b'{"value": {}}', "value: expected an array"),
    (b'{"value": [], "@iot.nextLink": 5}', "@iot.nextLink: not a link"),
    (b"[]", "Observations: expected an object"),
])
def test_unusable_pages(body, message, datastreams):
    with pytest.raises(ParseError, match=message):
        st.parse(body, datastreams)


@pytest.mark.parametrize("name, key", [
    ("PM2.5", "pm25"), ("pm2_5", "pm25"), ("PM25", "pm25"), ("PM₂.₅", "pm25"), ("pm10", "pm10"),
    ("PM_10", "pm10"), ("o3", "o3"), ("Ozone", "o3"), ("NO2", "no2"), ("so2", "so2"), ("Co", "co"),
    ("carbon monoxide", "co"), ("CO2", None), ("Temperature", None), (None, None),
])
def test_pollutant_names(name, key):
    assert pollutant_key(name) == key


@pytest.mark.parametrize("unit, kind", [
    ("µg/m³", "ug"), ("μg/m³", "ug"), ("ug/m3", "ug"), ("mg/m³", "mg"), ("ppm", "ppm"), ("PPB", "ppb"),
    ("parts per billion", "ppb"), ("microgram per cubic metre", "ug"), ("°C", None),
])
def test_units(unit, kind):
    assert unit_kind(unit) == kind


def test_conversions_at_25_degrees():
    assert conversion_factor("o3", "ppb") == pytest.approx(1.963, abs=0.001)     # 1 ppb O3 ≈ 1.96 µg/m³
    assert conversion_factor("so2", "ppm") == pytest.approx(2620.3, abs=0.1)
    assert conversion_factor("co", "ppm") == pytest.approx(1.1456, abs=0.0001)   # mg/m³ for CO
    assert conversion_factor("co", "ug") == 0.001
    assert conversion_factor("pm25", "mg") == 1000.0
    assert conversion_factor("pm25", "ppb") is None


def test_observation_of_ppm_co_is_converted(datastreams):
    ds = dict(datastreams)
    ds["9"] = st.Datastream("9", "11", "A02", "co", "ppm", conversion_factor("co", "ppm"))
    body = json.dumps({"value": [{"@iot.id": "x", "phenomenonTime": "2025-06-11T00:00:00Z", "result": 2,
                                  "Datastream": {"@iot.id": 9}}]})
    (event,) = st.parse(body, ds)
    assert event.payload["value"] == pytest.approx(2.291, abs=0.001) and event.payload["unit"] == "mg/m³"
