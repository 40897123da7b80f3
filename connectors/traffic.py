"""Live segment speeds over a WebSocket (JSON text messages) → segment_speed events.

A message: {"type":"speeds","ts":"<ISO>","seq":n,"segments":[{"id":"S0001","speed_kmh":42.3,"flow_vph":1200},…]}.
"""
from __future__ import annotations

from typing import Any

from dashboard.domain.events import SEGMENT_SPEED, Event

from . import parsing as p
from .base import IngestSink, ParseError, StreamConnector
from .parsing import Parsed, Reject

NAME = "traffic"


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """One speeds message → one event per segment; bad segments become rejects."""
    doc = p.load_json(data, "message")
    if not isinstance(doc, dict):
        raise ParseError(f"expected an object, got {type(doc).__name__}", "message")
    kind = doc.get("type", "speeds")
    if kind != "speeds":
        raise ParseError(f"unknown message type {str(kind)[:40]!r}", "type")
    ts = p.timestamp(doc.get("ts"), "ts")
    segments = doc.get("segments")
    if not isinstance(segments, list):
        raise ParseError("expected an array" if segments is not None else "missing", "segments")
    stamp = p.iso_z(ts)
    out = Parsed()
    for i, item in enumerate(segments):
        where = f"segments[{i}]"
        try:
            if not isinstance(item, dict):
                raise ParseError(f"expected an object, got {type(item).__name__}", where)
            segment_id = p.text(item.get("id"), f"{where}.id", required=True)
            speed = p.number(item.get("speed_kmh"), f"{where}.speed_kmh", required=False)
            if speed is not None and speed < 0:
                raise ParseError(f"negative speed {speed}", f"{where}.speed_kmh")
            flow = p.integer(item.get("flow_vph"), f"{where}.flow_vph", required=False)
            if flow is not None and flow < 0:
                raise ParseError(f"negative flow {flow}", f"{where}.flow_vph")
            out.append(Event(source, SEGMENT_SPEED, f"{segment_id}@{stamp}", ts,
                             {"segment_id": segment_id, "speed_kmh": speed, "flow_vph": flow}))
        except (ParseError, ValueError, TypeError, OverflowError) as exc:
            out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
    return out


class TrafficConnector(StreamConnector):
    def __init__(self, url: str, *, name: str = NAME, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url

    def open(self) -> Any:
        from websockets.sync.client import connect
        return connect(self.url, open_timeout=self.timeout, close_timeout=1.0, max_size=16 * 1024 * 1024)

    def handle(self, sink: IngestSink, message: str | bytes) -> int:
        parsed = self.parse_payload(sink, message, parse, source=self.name)
        count = self.deliver(sink, parsed)
        if len(parsed):
            sink.save_checkpoint(self.name, p.iso_z(parsed[0].observed_at))
        return count
