"""OGC SensorThings API MQTT extension → device_state events (connector mqtt_sta).

The connector subscribes (QoS 1, persistent session) to `v1.1/Datastreams(ID)/Observations` for
each Datastream the settings name (mqtt_sensorthings_datastreams: ID=DEVICE_KIND[@LAT,LON][:NAME],
comma-separated); the server publishes each new Observation entity there as JSON:
{"@iot.id": …, "phenomenonTime": "2025-06-11T21:05:00Z" (or an interval "start/end": its end),
"resultTime": …, "result": …}. The result is the device's reading: a number (tilt in degrees,
water depth in metres …), a word ("fault", "ok" …), a boolean (true: a fault), or an object with
"state" and/or "value". One event per Observation: source_id DEVICE@TIME, so a redelivered message
is the same record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashboard.domain.devices import DEVICE_KINDS
from dashboard.domain.events import DEVICE_STATE, Event

from . import parsing as p
from .errors import ParseError
from .mqtt import MqttConnector
from .parsing import Parsed

NAME = "mqtt_sta"
VERSION = "v1.1"
_TOPIC = re.compile(r"^v1\.[01]/Datastreams\((?P<id>'(?:[^']|'')*'|[^()]+)\)/Observations$")


@dataclass(frozen=True)
class Device:
    """What the settings say of a Datastream: the device kind, where it is, its name."""
    datastream: str
    kind: str
    lat: float | None = None
    lon: float | None = None
    name: str | None = None

    @property
    def device_id(self) -> str:
        return f"ds{self.datastream}" if self.datastream.isdigit() else self.datastream


def parse_devices_setting(text: str) -> dict[str, Device]:
    """ "42=street_light@32.05,118.78:路灯 0012, abc=manhole_cover" → {"42": Device(…), "abc": …}.
    ValueError (said where) for anything unusable: the settings are checked at start."""
    out: dict[str, Device] = {}
    for i, item in enumerate(x.strip() for x in re.split(r";|,\s*(?=[^,=@:;]+=)", text or "")):
        if not item:
            continue
        ds, sep, rest = item.partition("=")
        if not sep or not ds.strip() or not rest.strip():
            raise ValueError(f"mqtt_sensorthings_datastreams[{i}]: {item!r} is not ID=DEVICE_KIND[@LAT,LON][:NAME]")
        rest, _, name = rest.partition(":")
        kind, _, place = rest.partition("@")
        kind = kind.strip()
        if kind not in DEVICE_KINDS:
            raise ValueError(f"mqtt_sensorthings_datastreams[{i}]: device kind {kind!r} is not one of "
                             f"{', '.join(DEVICE_KINDS)}")
        lat = lon = None
        if place.strip():
            try:
                lat_s, lon_s = place.split(",")
                lat, lon = float(lat_s), float(lon_s)
            except ValueError:
                raise ValueError(f"mqtt_sensorthings_datastreams[{i}]: {place!r} is not LAT,LON") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"mqtt_sensorthings_datastreams[{i}]: {place!r} is out of range")
        key = ds.strip().strip("'")
        if any(c in key for c in "+#/\0"):
            raise ValueError(f"mqtt_sensorthings_datastreams[{i}]: Datastream id {key!r} has a character "
                             "MQTT topics cannot hold (+ # /)")
        out[key] = Device(key, kind, lat, lon, name.strip() or None)
    return out


def topic_for(datastream: str) -> str:
    """The MQTT topic of a Datastream's new Observations (a text id is quoted, as in the URL)."""
    ident = datastream if re.fullmatch(r"\d+", datastream) else "'" + datastream.replace("'", "''") + "'"
    return f"{VERSION}/Datastreams({ident})/Observations"


def datastream_of(topic: str) -> str:
    m = _TOPIC.match(topic or "")
    if not m:
        raise ParseError("not a SensorThings Observations topic (v1.1/Datastreams(ID)/Observations)", "topic")
    ident = m.group("id")
    return ident[1:-1].replace("''", "'") if ident.startswith("'") else ident.strip()


def parse(topic: str, payload: bytes | str, devices: dict[str, Device], *, source: str = NAME) -> Parsed:
    """One Observation message → a Parsed holding its device_state event."""
    datastream = datastream_of(topic)
    device = devices.get(datastream)
    if device is None:
        raise ParseError(f"Datastream {datastream!r} is not in mqtt_sensorthings_datastreams", "topic")
    doc = p.load_json(payload, "Observation")
    if not isinstance(doc, dict):
        raise ParseError(f"expected an Observation object, got {type(doc).__name__}", "Observation")
    at = _time(doc)
    state, value = reading(doc.get("result"), "Observation.result")
    payload_out = {"device_id": device.device_id, "device_kind": device.kind, "name": device.name,
                   "state": state, "value": value, "datastream_id": datastream,
                   "observation_id": p.text(doc.get("@iot.id"), "Observation.@iot.id")}
    return Parsed([Event(source, DEVICE_STATE, f"{device.device_id}@{p.iso_z(at)}", at, payload_out,
                         device.lat, device.lon)])


def _time(doc: dict) -> Any:
    value = doc.get("phenomenonTime")
    if isinstance(value, str) and "/" in value:   # an interval: the reading holds at its end
        value = value.split("/", 1)[1]
    if value is None or value == "":
        value = doc.get("resultTime")
    return p.timestamp(value, "Observation.phenomenonTime")


def reading(result: Any, where: str) -> tuple[Any, float | None]:
    """(state, value) from a result: a number is a value, a word or a boolean a state, an object
    may carry both ("state"/"status", "value"/"level")."""
    if isinstance(result, bool):
        return result, None
    if isinstance(result, (int, float)):
        return None, p.number(result, where)
    if isinstance(result, str):
        text = result.strip()
        try:
            return None, p.number(text, where)
        except ParseError:
            if not text:
                raise ParseError("empty", where) from None
            return text[:80], None
    if isinstance(result, dict):
        state = next((result[k] for k in ("state", "status", "fault") if k in result), None)
        raw = next((result[k] for k in ("value", "level", "depth", "tilt") if k in result), None)
        if state is None and raw is None:
            raise ParseError("an object without state, status, fault, value, level, depth or tilt", where)
        if state is not None and not isinstance(state, (str, bool)):
            raise ParseError(f"state is not text or a boolean ({type(state).__name__})", f"{where}.state")
        return (state.strip()[:80] if isinstance(state, str) else state), \
            (p.number(raw, f"{where}.value") if raw is not None else None)
    if result is None:
        raise ParseError("missing", where)
    raise ParseError(f"not a reading ({type(result).__name__})", where)


class SensorThingsMqttConnector(MqttConnector):
    """Subscribes to the Observations of the configured Datastreams."""

    def __init__(self, broker_url: str, devices: dict[str, Device], *, name: str = NAME,
                 client_id: str = "cityops-ingest", **kw: Any) -> None:
        super().__init__(name, broker_url, client_id=f"{client_id}-{name}", **kw)
        if not devices:
            raise ValueError("connector mqtt_sta has no Datastreams: set CITYOPS_MQTT_SENSORTHINGS_DATASTREAMS")
        self.devices = devices
        self.topics = tuple(topic_for(ds) for ds in devices)

    def parse_message(self, topic: str, payload: bytes) -> Parsed:
        return parse(topic, payload, self.devices, source=self.name)
