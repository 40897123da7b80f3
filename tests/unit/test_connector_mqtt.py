"""The MQTT device connectors' pure parts: OGC SensorThings MQTT Observations (the extension's
topics and the Observation entity, as the SensorThings API part 1 v1.1 publishes them), plain topics
with a JSON mapping, the settings, the broker URL, and the device rules (which reading is a fault)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from connectors import build_connectors
from connectors.errors import ParseError
from connectors.mqtt import Broker
from connectors.mqtt_devices import parse as parse_device, parse_mappings
from connectors.mqtt_sta import datastream_of, parse as parse_sta, parse_devices_setting, topic_for
from dashboard.config import load as load_settings
from dashboard.domain import devices
from dashboard.domain.events import DEVICE_STATE

DEVICES = parse_devices_setting("42=street_light@32.05,118.78:路灯 0012, 43=manhole_cover, "
                                "'gauge-7'=underpass_water@32.03,118.85")


def test_datastream_topics_as_the_extension_names_them():
    assert topic_for("42") == "v1.1/Datastreams(42)/Observations"
    assert topic_for("gauge-7") == "v1.1/Datastreams('gauge-7')/Observations"
    assert datastream_of("v1.1/Datastreams(42)/Observations") == "42"
    assert datastream_of("v1.1/Datastreams('gauge-7')/Observations") == "gauge-7"
    with pytest.raises(ParseError, match="not a SensorThings Observations topic"):
        datastream_of("v1.1/Datastreams(42)/Observations/extra")


def test_an_observation_becomes_a_device_state():
    # an Observation entity as a SensorThings server publishes it on the Datastream's topic
    message = {"@iot.id": 1187, "@iot.selfLink": "http://sta/v1.1/Observations(1187)",
               "phenomenonTime": "2025-06-11T21:05:00.000Z", "resultTime": "2025-06-11T21:05:01.000Z",
               "result": 0.21}
    (event,) = parse_sta(topic_for("gauge-7"), json.dumps(message), DEVICES)
    assert event.kind == DEVICE_STATE and event.source == "mqtt_sta"
    assert event.source_id == "gauge-7@2025-06-11T21:05:00Z"
    assert event.payload == {"device_id": "gauge-7", "device_kind": "underpass_water", "name": None, "state": None,
                             "value": 0.21, "datastream_id": "gauge-7", "observation_id": "1187"}
    assert (event.lat, event.lon) == (32.03, 118.85)


@pytest.mark.parametrize("result, state, value", [
    ("fault", "fault", None), (True, True, None), ("12.5", None, 12.5),
    ({"state": "tilted", "tilt": 14}, "tilted", 14.0), ({"status": "ok"}, "ok", None),
])
def test_results_of_every_shape(result, state, value):
    message = {"phenomenonTime": "2025-06-11T21:00:00Z/2025-06-11T21:05:00Z", "result": result}
    (event,) = parse_sta(topic_for("43"), json.dumps(message), DEVICES)
    assert (event.payload["state"], event.payload["value"]) == (state, value)
    assert event.observed_at == datetime(2025, 6, 11, 21, 5, tzinfo=timezone.utc)   # an interval: its end


@pytest.mark.parametrize("topic, message, error", [
    (topic_for("99"), {"result": 1, "phenomenonTime": "2025-06-11T21:05:00Z"}, "Datastream '99' is not in"),
    (topic_for("42"), {"result": 1}, "Observation.phenomenonTime: missing"),
    (topic_for("42"), {"phenomenonTime": "2025-06-11T21:05:00Z"}, "Observation.result: missing"),
    (topic_for("42"), {"phenomenonTime": "2025-06-11T21:05:00Z", "result": [1]}, "Observation.result: not a reading"),
    (topic_for("42"), [1, 2], "Observation: expected an Observation object"),
])
def test_unusable_observations_say_why(topic, message, error):
    with pytest.raises(ParseError, match=error):
        parse_sta(topic, json.dumps(message), DEVICES)


@pytest.mark.parametrize("text, error", [
    ("42", "is not ID=DEVICE_KIND"), ("42=lamp", "device kind 'lamp' is not one of"),
    ("42=street_light@north", "is not LAT,LON"), ("a+b=street_light", "MQTT topics cannot hold"),
])
def test_the_datastreams_setting_is_checked(text, error):
    with pytest.raises(ValueError, match=error):
        parse_devices_setting(text)


MAPPINGS = parse_mappings(json.dumps([
    {"topic": "lanhai/lights/+/state", "kind": "street_light", "device": "{topic[2]}", "state": "$.status",
     "time": "$.ts", "lat": "$.gps[0]", "lon": "$.gps[1]", "name": "$.meta.label"},
    {"topic": "lanhai/covers/#", "kind": "manhole_cover", "device": "$.id", "value": "$.tilt_deg", "time": "$.time"}]))


def test_plain_topics_by_their_mapping():
    (light,) = parse_device("lanhai/lights/L-88/state", json.dumps(
        {"status": "故障", "ts": 1749675900123, "gps": [32.06, 118.79], "meta": {"label": "中山路 88 号路灯"}}), MAPPINGS)
    assert light.source_id == "L-88@2025-06-11T21:05:00.123000Z"
    assert light.payload["device_kind"] == "street_light" and light.payload["state"] == "故障"
    assert light.payload["name"] == "中山路 88 号路灯" and (light.lat, light.lon) == (32.06, 118.79)
    (cover,) = parse_device("lanhai/covers/jiangning/17", json.dumps(
        {"id": "MC-17", "tilt_deg": 7.5, "time": "2025-06-11T21:05:00+08:00"}), MAPPINGS)
    assert cover.payload["device_id"] == "MC-17" and cover.payload["value"] == 7.5 and cover.lat is None
    assert cover.observed_at == datetime(2025, 6, 11, 13, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("topic, message, error", [
    ("elsewhere/x", {}, "topic: no mapping in mqtt_topics matches"),
    ("lanhai/covers/1", {"tilt_deg": 3, "time": 1749675900}, "device: missing"),
    ("lanhai/covers/1", {"id": "M", "time": 1749675900}, "neither a state nor a value"),
    ("lanhai/covers/1", {"id": "M", "tilt_deg": "steep", "time": 1749675900}, "value: not a number"),
    ("lanhai/covers/1", {"id": "M", "tilt_deg": 3}, "time: missing"),
])
def test_unusable_device_messages_say_why(topic, message, error):
    with pytest.raises(ParseError, match=error):
        parse_device(topic, json.dumps(message), MAPPINGS)


@pytest.mark.parametrize("text, error", [
    ("{", "mqtt_topics is not JSON"), ('[{"kind": "street_light"}]', r"mqtt_topics\[0\].topic: missing"),
    ('[{"topic": "a", "kind": "lamp", "device": "$.id", "state": "$.s"}]', "kind: 'lamp' is not one of"),
    ('[{"topic": "a", "kind": "bridge", "state": "$.s"}]', "device: missing"),
    ('[{"topic": "a", "kind": "bridge", "device": "$.id"}]', "give state and/or value"),
    ('[{"topic": "a", "kind": "bridge", "device": "$..id", "state": "$.s"}]', "is not a JSON path"),
])
def test_the_topics_setting_is_checked(text, error):
    with pytest.raises(ValueError, match=error):
        parse_mappings(text)


def test_broker_urls():
    assert Broker.from_url("mqtt://127.0.0.1") == Broker("127.0.0.1", 1883)
    b = Broker.from_url("mqtts://iot%40city:p%3Ass@broker.city:8884")
    assert (b.host, b.port, b.tls, b.username, b.password) == ("broker.city", 8884, True, "iot@city", "p:ss")
    assert "p:ss" not in str(b)
    with pytest.raises(ValueError, match="not an MQTT broker URL"):
        Broker.from_url("http://broker")


def test_the_device_connectors_join_when_their_settings_are_set():
    settings = load_settings(env={"CITYOPS_MQTT_URL": "mqtt://127.0.0.1:1883",
                                  "CITYOPS_MQTT_SENSORTHINGS_DATASTREAMS": "42=street_light",
                                  "CITYOPS_OPEN311_URL": "http://x", "CITYOPS_TRAFFIC_WS_URL": "ws://x",
                                  "CITYOPS_GTFS_RT_URL": "http://x", "CITYOPS_SENSORTHINGS_URL": "http://x",
                                  "CITYOPS_CAP_URL": "http://x"})
    names = [c.name for c in build_connectors(settings)]
    assert "mqtt_sta" in names and "mqtt_devices" not in names   # no topics mapped: not started
    (sta,) = [c for c in build_connectors(settings) if c.name == "mqtt_sta"]
    assert sta.topics == ("v1.1/Datastreams(42)/Observations",) and sta.client_id == "cityops-ingest-mqtt_sta"


THRESHOLDS = {"device_water_alarm_m": 0.15, "device_tilt_alarm_deg": 5.0}


@pytest.mark.parametrize("kind, state, value, verdict", [
    ("street_light", "fault", None, devices.FAULT), ("street_light", "on", None, devices.NORMAL),
    ("street_light", "故障", None, devices.FAULT), ("street_light", "blinking?", None, None),
    ("manhole_cover", None, 7.0, devices.FAULT), ("manhole_cover", None, 2.0, devices.NORMAL),
    ("manhole_cover", "open", None, devices.FAULT), ("manhole_cover", True, None, devices.FAULT),
    ("underpass_water", None, 0.15, devices.FAULT), ("underpass_water", None, 0.149, devices.NORMAL),
    ("bridge", "alarm", None, devices.FAULT), ("tunnel", "normal", None, devices.NORMAL),
    ("lamp", "fault", None, None),
])
def test_which_reading_is_a_fault(kind, state, value, verdict):
    assert devices.classify(kind, state, value, THRESHOLDS) == verdict
