"""`cityops parse --format FORMAT FILE`: JSON lines on stdout, exit 0; reasons on stderr, exit 2."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.transit import gtfs_realtime_pb2

from connectors.formats import FORMATS
from dashboard.cli import main

FIX = Path(__file__).parent.parent / "fixtures"


def run(capsys, *argv: str) -> tuple[int, list[dict], list[str]]:
    code = main(["parse", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err.splitlines()


def gtfs_file(tmp_path: Path, name: str) -> Path:
    feed = text_format.Parse((FIX / "gtfs_rt" / name).read_text(), gtfs_realtime_pb2.FeedMessage())
    path = tmp_path / "feed.pb"
    path.write_bytes(feed.SerializeToString())
    return path


def openaq_file(tmp_path: Path) -> Path:
    path = tmp_path / "openaq.json"
    path.write_text(json.dumps({"location": json.loads((FIX / "openaq" / "location_2178.json").read_text()),
                                "latest": json.loads((FIX / "openaq" / "latest_2178.json").read_text())}))
    return path


def traffic_file(tmp_path: Path) -> Path:
    path = tmp_path / "speeds.json"
    path.write_text(json.dumps({"type": "speeds", "ts": "2025-06-11T00:15:00Z",
                                "segments": [{"id": "S1", "speed_kmh": 40, "flow_vph": 900}]}))
    return path


CLEAN = {   # format → (file, how many events, their source)
    "open311-json": (lambda t: FIX / "open311" / "spec_requests.json", 2, "open311"),
    "open311-xml": (lambda t: FIX / "open311" / "spec_requests.xml", 2, "open311"),
    "gtfs-rt": (lambda t: gtfs_file(t, "no_timestamps.textproto"), None, "gtfs_rt"),
    "datex2": (lambda t: FIX / "datex2" / "v3_measured_data.xml", 2, "datex2"),
    "traffic-json": (traffic_file, 1, "traffic"),
    "openaq": (openaq_file, 5, "openaq"),
    "cap": (lambda t: FIX / "cap" / "spec_a2_thunderstorm.xml", 1, "cap"),
    "eido": (lambda t: FIX / "eido" / "lanhai_incidents.json", 2, "eido"),
}


def test_every_format_is_covered():
    assert set(CLEAN) | {"sensorthings"} == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(CLEAN))
def test_clean_payloads_print_json_lines_and_exit_0(fmt, capsys, tmp_path):
    make, count, source = CLEAN[fmt]
    code, events, err = run(capsys, "--format", fmt, str(make(tmp_path)))
    assert (code, err) == (0, [])
    assert events and all(e["source"] == source for e in events)
    if count is not None:
        assert len(events) == count
    assert set(events[0]) == {"source", "kind", "source_id", "observed_at", "updated_at", "lat", "lon", "payload"}


def test_some_items_rejected_prints_the_good_ones_and_exits_2(capsys):
    code, events, err = run(capsys, "--format", "datex2", str(FIX / "datex2" / "v2_measured_data.xml"))
    assert code == 2
    assert [e["payload"]["segment_id"] for e in events] == [
        "RWS01_MONIBAS_0021hrl0403ra", "RWS01_MONIBAS_0021hrl0410ra", "GEO02_R_RWSTI3", "RWS01_MONIBAS_ERROR"]
    assert events[1]["payload"]["speed_kmh"] is None
    assert err[0] == "cityops parse: rejected siteMeasurements[3].measuredValue[1].averageVehicleSpeed.speed: " \
                     "not a number: 'fast'"
    assert err[-1] == "cityops parse: 4 events, 4 rejected"


def test_sensorthings_page_with_inline_datastreams(capsys):
    page = FIX / "sensorthings" / "observations_expanded.json"
    code, events, err = run(capsys, "--format", "sensorthings", str(page))
    assert code == 2 and len(events) == 6
    assert {e["payload"]["station_id"] for e in events} == {"1001A"}
    assert [e["payload"]["pollutant"] for e in events] == ["pm25", "pm10", "o3", "no2", "so2", "co"]
    assert (events[0]["lat"], events[0]["lon"]) == (31.97314, 118.670048)
    assert err[0] == ("cityops parse: rejected value[6].Datastream.Thing: not expanded "
                      "($expand=Datastream($expand=Thing,ObservedProperty) is needed)")


@pytest.mark.parametrize("fmt, name, reason", [
    ("datex2", "datex2/situation_publication.xml",
     "is not usable datex2: payloadPublication: expected a MeasuredDataPublication, got SituationPublication"),
    ("eido", "eido/not_eido.json", "is not usable eido: eido: not an EIDO: no $id, eidoVersion or …Component member"),
    ("open311-json", "open311/spec_error_403.json", "is not usable open311-json: Open311 bad API key (403)"),
    ("open311-xml", "open311/spec_requests.json", "is not usable open311-xml: requests: expected XML"),
    ("cap", "cap/billion_laughs.xml", "is not usable cap: alert: refused: the document contains a DOCTYPE"),
    ("gtfs-rt", "cap/spec_a1_homeland_security.xml", "is not usable gtfs-rt: feed: not a GTFS-realtime FeedMessage"),
    ("openaq", "openaq/latest_2178.json", "is not usable openaq: location: missing"),
    ("sensorthings", "sensorthings/not_a_collection.json", "is not usable sensorthings: value: missing"),
])
def test_unusable_payloads_say_what_and_where_and_exit_2(fmt, name, reason, capsys):
    path = FIX / name
    code, events, err = run(capsys, "--format", fmt, str(path))
    assert code == 2 and events == []
    assert len(err) == 1 and err[0].startswith(f"cityops parse: {path} {reason}")


def test_stdin(capsys, monkeypatch):
    body = (FIX / "eido" / "nena_structure_fire.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    code, events, err = run(capsys, "--format", "eido", "-")
    assert (code, err) == (0, [])
    assert events[0]["payload"]["service_code"] == "1202"


def test_garbage_on_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe garbage")))
    code, events, err = run(capsys, "--format", "traffic-json", "-")
    assert code == 2 and events == []
    assert err == ["cityops parse: stdin is not usable traffic-json: message: not UTF-8 (byte 0)"]


def test_a_missing_file(capsys, tmp_path):
    code, events, err = run(capsys, "--format", "cap", str(tmp_path / "nope.xml"))
    assert code == 2 and events == []
    assert err == [f"cityops parse: cannot read {tmp_path / 'nope.xml'}: No such file or directory"]


def test_an_unknown_format_is_refused_by_the_argument_parser(capsys):
    with pytest.raises(SystemExit) as info:
        main(["parse", "--format", "kml", "x"])
    assert info.value.code == 2
    assert "invalid choice: 'kml'" in capsys.readouterr().err


def test_gtfs_rt_trip_updates_and_alerts_of_the_specs_examples(capsys, tmp_path):
    code, events, err = run(capsys, "--format", "gtfs-rt", str(gtfs_file(tmp_path, "trip_updates_spec_example.textproto")))
    assert code == 0 and err == [] and [e["kind"] for e in events] == ["trip_update", "trip_update"]
    assert events[0]["payload"]["stops"][2]["arrival"] is None        # no delay stated: null, not 0
    code, events, err = run(capsys, "--format", "gtfs-rt", str(gtfs_file(tmp_path, "alerts_spec_example.textproto")))
    assert code == 0 and events[0]["kind"] == "alert" and events[0]["payload"]["effect"] == "DETOUR"
    code, events, err = run(capsys, "--format", "gtfs-rt", str(gtfs_file(tmp_path, "alerts.textproto")))
    assert code == 2 and len(events) == 2
    assert "cityops parse: rejected entity[3](id A4).alert: neither header_text nor description_text" in err
