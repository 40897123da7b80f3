"""Segment-speed messages (WebSocket JSON)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import traffic
from connectors.base import ParseError
from dashboard.domain.events import SEGMENT_SPEED

FIX = Path(__file__).parent.parent / "fixtures" / "traffic"


def test_speeds_message_one_event_per_segment_bad_segments_rejected():
    parsed = traffic.parse((FIX / "speeds.json").read_text())
    assert [e.payload["segment_id"] for e in parsed] == ["S0001", "S0002", "S0006"]
    first = parsed[0]
    assert first.kind == SEGMENT_SPEED and first.source == "traffic"
    assert first.source_id == "S0001@2025-06-11T00:15:00Z"
    assert first.observed_at == datetime(2025, 6, 11, 0, 15, tzinfo=timezone.utc)
    assert first.payload == {"segment_id": "S0001", "speed_kmh": 42.3, "flow_vph": 1200}
    assert first.lat is None and first.lon is None
    assert parsed[1].payload["speed_kmh"] is None and parsed[1].payload["flow_vph"] is None
    assert parsed[2].payload["flow_vph"] == 1500 and isinstance(parsed[2].payload["flow_vph"], int)
    assert [r.reason for r in parsed.rejects] == [
        "segments[2].speed_kmh: not a number: 'fast'",
        "segments[3].speed_kmh: negative speed -5.0",
        "segments[4].id: missing",
        "segments[6].flow_vph: not a whole number: 12.5",
    ]


@pytest.mark.parametrize("body, where", [
    ((FIX / "hello.json").read_text(), "type: unknown message type 'hello'"),
    ('{"type":"speeds","segments":[]}', "ts: missing"),
    ('{"type":"speeds","ts":"2025-06-11T00:15:00Z"}', "segments: missing"),
    ('{"type":"speeds","ts":"2025-06-11T00:15:00Z","segments":{}}', "segments: expected an array"),
    ("[1,2,3]", "message: expected an object"),
    ("{", "message: not JSON"),
    (b"\xff\xfe", "message: not UTF-8"),
])
def test_unusable_messages(body, where):
    with pytest.raises(ParseError) as info:
        traffic.parse(body)
    assert str(info.value).startswith(where)


def test_same_instant_same_source_id_whatever_the_offset():
    a = traffic.parse('{"ts":"2025-06-11T08:15:00+08:00","segments":[{"id":"S1","speed_kmh":1}]}')
    b = traffic.parse('{"ts":"2025-06-11T00:15:00Z","segments":[{"id":"S1","speed_kmh":1}]}')
    assert a[0].source_id == b[0].source_id
