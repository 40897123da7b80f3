"""Plain MQTT device topics with a JSON mapping in the settings → device_state events (connector
mqtt_devices): for gateways and controllers that publish their own JSON (street-light controllers,
cover tilt sensors, water gauges, bridge and tunnel monitoring).

The mqtt_topics setting is a JSON list of mappings, one per topic filter (MQTT wildcards + and #):

    [{"topic": "city/lights/+/state", "kind": "street_light", "device": "{topic[2]}",
      "state": "$.status", "value": "$.dim", "time": "$.ts", "lat": "$.gps.lat", "lon": "$.gps.lon",
      "name": "$.label"}]

Each field is a JSON path into the message ($.a.b, $.a[0]), "{topic[N]}" for the N-th level of the
topic (from 0), or a literal. "kind" (a device kind) and "device" are required; "state" and/or
"value"; "time" is ISO 8601, or POSIX seconds (milliseconds when > 10¹¹). Map a time: the event's
source_id is DEVICE@TIME, so a redelivered message is the same record; a message without one is
stamped when it arrives, and a redelivered copy can then be stored twice (its rule still makes no
second incident).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import paho.mqtt.client as mqtt

from dashboard.domain.devices import DEVICE_KINDS
from dashboard.domain.events import DEVICE_STATE, Event

from . import parsing as p
from .errors import ParseError
from .mqtt import MqttConnector
from .parsing import Parsed

NAME = "mqtt_devices"
FIELDS = ("device", "state", "value", "time", "lat", "lon", "name")
_PATH = re.compile(r"\.([A-Za-z_@$\u4e00-\u9fff][\w@$\-\u4e00-\u9fff]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")
_TOPIC_LEVEL = re.compile(r"^\{topic\[(\d+)\]\}$")


@dataclass(frozen=True)
class Mapping:
    topic: str
    kind: str
    fields: dict[str, str]


def parse_mappings(text: str) -> list[Mapping]:
    """The mqtt_topics setting → mappings; ValueError (said where) for anything unusable."""
    if not (text or "").strip():
        return []
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"mqtt_topics is not JSON: {exc}") from None
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise ValueError("mqtt_topics: expected a JSON list of mappings")
    out = []
    for i, item in enumerate(doc):
        where = f"mqtt_topics[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object")
        topic, kind = item.get("topic"), item.get("kind")
        if not isinstance(topic, str) or not topic.strip():
            raise ValueError(f"{where}.topic: missing")
        if kind not in DEVICE_KINDS:
            raise ValueError(f"{where}.kind: {kind!r} is not one of {', '.join(DEVICE_KINDS)}")
        fields = {k: item[k] for k in FIELDS if k in item}
        if "device" not in fields:
            raise ValueError(f"{where}.device: missing (a JSON path like $.id, or {{topic[2]}})")
        if "state" not in fields and "value" not in fields:
            raise ValueError(f"{where}: give state and/or value")
        for k, v in fields.items():
            if not isinstance(v, (str, int, float)):
                raise ValueError(f"{where}.{k}: expected a JSON path, {{topic[N]}} or a literal")
            if isinstance(v, str) and v.startswith("$") and v != "$" and not _valid_path(v):
                raise ValueError(f"{where}.{k}: {v!r} is not a JSON path ($.a.b or $.a[0])")
        out.append(Mapping(topic.strip(), kind, fields))
    return out


def _valid_path(path: str) -> bool:
    rest = path[1:]
    pos = 0
    while pos < len(rest):
        m = _PATH.match(rest, pos)
        if not m:
            return False
        pos = m.end()
    return True


def _get(doc: Any, path: str) -> Any:
    value = doc
    for m in _PATH.finditer(path[1:]):
        key, index, quoted = m.groups()
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(key if key is not None else quoted) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def _field(spec: Any, doc: Any, levels: list[str]) -> Any:
    if not isinstance(spec, str):
        return spec
    m = _TOPIC_LEVEL.match(spec)
    if m:
        n = int(m.group(1))
        return levels[n] if n < len(levels) else None
    if spec.startswith("$"):
        return _get(doc, spec)
    return spec


def mapping_for(topic: str, mappings: list[Mapping]) -> Mapping | None:
    return next((m for m in mappings if mqtt.topic_matches_sub(m.topic, topic)), None)


def parse(topic: str, payload: bytes | str, mappings: list[Mapping], *, source: str = NAME,
          received_at: datetime | None = None) -> Parsed:
    """One device message → a Parsed holding its device_state event."""
    mapping = mapping_for(topic, mappings)
    if mapping is None:
        raise ParseError("no mapping in mqtt_topics matches this topic", "topic")
    doc = p.load_json(payload, "message")
    levels = topic.split("/")
    got = {k: _field(v, doc, levels) for k, v in mapping.fields.items()}
    device = p.text(got.get("device"), "device", required=True)[:120]
    state, value = None, None
    raw_state = got.get("state") if "state" in mapping.fields else None
    if isinstance(raw_state, bool):
        state = raw_state
    elif isinstance(raw_state, (int, float)):
        state = p.text(raw_state, "state")   # a device's status code: 0, 1 …
    elif isinstance(raw_state, str):
        state = raw_state.strip()[:80] or None
    elif raw_state is not None:
        raise ParseError(f"not text, a number or a boolean ({type(raw_state).__name__})", "state")
    if "value" in mapping.fields and got.get("value") is not None:
        value = p.number(got["value"], "value")
    if state is None and value is None:
        raise ParseError("neither a state nor a value in the message", "message")
    at = _time(got.get("time"), received_at) if "time" in mapping.fields else \
        (received_at or datetime.now(timezone.utc))
    lat = p.latitude(got.get("lat"), "lat", required=False) if "lat" in mapping.fields else None
    lon = p.longitude(got.get("lon"), "lon", required=False) if "lon" in mapping.fields else None
    if (lat is None) != (lon is None):
        lat = lon = None
    name = p.text(got.get("name"), "name") if "name" in mapping.fields else None
    payload_out = {"device_id": device, "device_kind": mapping.kind, "name": name[:120] if name else None,
                   "state": state, "value": value, "topic": topic[:200]}
    return Parsed([Event(source, DEVICE_STATE, f"{device}@{p.iso_z(at)}", at, payload_out, lat, lon)])


def _time(value: Any, received_at: datetime | None) -> datetime:
    if value is None or value == "":
        raise ParseError("missing", "time")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = p.number(value, "time")
        if seconds > 1e11:
            seconds /= 1000.0   # milliseconds
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ParseError(f"POSIX time {value} out of range", "time") from None
    return p.timestamp(value, "time")


class MqttDevicesConnector(MqttConnector):
    """Subscribes to the mapped topic filters."""

    def __init__(self, broker_url: str, mappings: list[Mapping], *, name: str = NAME,
                 client_id: str = "cityops-ingest", **kw: Any) -> None:
        super().__init__(name, broker_url, client_id=f"{client_id}-{name}", **kw)
        if not mappings:
            raise ValueError("connector mqtt_devices has no topics: set CITYOPS_MQTT_TOPICS")
        self.mappings = mappings
        self.topics = tuple(dict.fromkeys(m.topic for m in mappings))

    def parse_message(self, topic: str, payload: bytes) -> Parsed:
        return parse(topic, payload, self.mappings, source=self.name, received_at=datetime.now(timezone.utc))
