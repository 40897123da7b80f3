"""CAP 1.2: the spec's examples, a bilingual alert of our city, references, shapes, the Atom index."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors import cap
from connectors.base import ParseError
from connectors.cap_geometry import CIRCLE_POINTS, circle_ring
from dashboard.domain.events import ALERT
from dashboard.domain.geo import haversine_m, point_in_polygon

FIX = Path(__file__).parent.parent / "fixtures" / "cap"


def alert(name: str):
    (event,) = cap.parse((FIX / name).read_bytes())
    return event


def test_spec_a1_no_geometry():
    e = alert("spec_a1_homeland_security.xml")
    assert e.kind == ALERT and e.source_id == "43b080713727"
    p = e.payload
    assert (p["status"], p["msg_type"], p["scope"]) == ("Actual", "Alert", "Public")
    assert (p["category"], p["urgency"], p["severity"], p["certainty"]) == ("Security", "Immediate", "Severe", "Likely")
    assert p["headline"] == "Homeland Security Sets Code ORANGE"
    assert p["instruction"] == "A High Risk of Terrorist Attacks exists. Public should remain vigilant."
    assert p["language"] == "en-US" and p["references"] == []
    assert p["geometry"] is None and e.lat is None
    assert e.observed_at == datetime(2003, 4, 2, 19, 39, 1, tzinfo=timezone.utc)
    assert p["sent"] == "2003-04-02T19:39:01+00:00"


def test_spec_a2_polygon_in_lon_lat_order():
    e = alert("spec_a2_thunderstorm.xml")
    ring = e.payload["geometry"]["coordinates"][0]
    assert e.payload["geometry"]["type"] == "Polygon"
    assert ring[0] == [-120.14, 38.47] and ring[0] == ring[-1]
    assert e.payload["expires"] == "2003-06-17T23:00:00+00:00"
    assert point_in_polygon((e.lon, e.lat), e.payload["geometry"])


def test_spec_a3_update_references_and_zero_radius_circle():
    e = alert("spec_a3_earthquake_update.xml")
    assert e.payload["msg_type"] == "Update"
    assert e.payload["references"] == ["TRI13970876.1"]
    assert e.payload["geometry"] is None                    # radius 0 is a point …
    assert (e.lat, e.lon) == (32.9525, -115.5527)           # … which places the alert


def test_spec_a4_several_languages():
    e = alert("spec_a4_amber_multilingual.xml")
    assert e.payload["headline"] == "Amber Alert in Los Angeles County"   # the first info
    assert e.payload["headline_en"] == "Amber Alert in Los Angeles County"
    assert e.payload["headline_zh"] == "Amber Alert in Los Angeles County"   # no zh: falls back


def test_lanhai_bilingual_polygon_and_circle():
    e = alert("lanhai_rainstorm_red.xml")
    p = e.payload
    assert p["headline_zh"] == "澜海市气象台发布暴雨红色预警信号"
    assert p["headline_en"] == "Rainstorm red warning for Lanhai"
    assert p["description_zh"].startswith("预计") and p["description_en"].startswith("More than")
    assert p["instruction_en"] == "Stop outdoor work; beware of urban flooding."
    assert p["event"] == "暴雨红色预警" and p["severity"] == "Extreme" and p["language"] == "zh-CN"
    assert p["area_desc"] == "玄湖区、秦水区; 江心洲"
    assert p["effective"] == "2025-06-11T01:30:00+00:00" and p["expires"] == "2025-06-11T13:30:00+00:00"
    geometry = p["geometry"]
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 2
    square = geometry["coordinates"][0][0]
    assert square[0] == square[-1] == [118.76, 32.02] and len(square) == 5   # closed for us
    circle = geometry["coordinates"][1][0]
    assert len(circle) == CIRCLE_POINTS + 1 and circle[0] == circle[-1]
    assert 118.69 < e.lon < 118.84 and 32.02 < e.lat < 32.09


def test_circle_is_32_points_at_the_radius():
    ring, centre = circle_ring("32.03,118.70 3", "circle")
    assert centre == [118.70, 32.03]
    assert len(ring) == 33 and len({tuple(c) for c in ring}) == 32
    for point in ring:
        assert haversine_m(tuple(point), (118.70, 32.03)) == pytest.approx(3000, rel=1e-3)
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    assert area > 0   # counter-clockwise, as RFC 7946 asks of outer rings
    assert area / 2 == pytest.approx(math.pi * (3 / 111.2) ** 2 / math.cos(math.radians(32.03)), rel=0.02)


def test_cancel_with_two_references():
    e = alert("lanhai_cancel.xml")
    assert e.payload["msg_type"] == "Cancel"
    assert e.payload["references"] == ["LH-MET-20250611-0007", "LH-MET-20250611-0008"]
    assert e.payload["headline"] is None and e.payload["geometry"] is None


@pytest.mark.parametrize("name, message", [
    ("billion_laughs.xml", "alert: refused: the document contains a DOCTYPE declaration"),
    ("external_entity.xml", "alert: refused: the document contains a DOCTYPE declaration"),
    ("bad_polygon.xml", "info[0].area[0].polygon[0][1]: expected lat,lon, got '32.02;118.84'"),
])
def test_refused_documents(name, message):
    with pytest.raises(ParseError) as info:
        cap.parse((FIX / name).read_bytes())
    assert str(info.value).startswith(message)


def _minimal(extra_head: str = "", info: str = "", ns: str = cap.CAP_NS) -> str:
    return (f'<alert xmlns="{ns}"><identifier>X1</identifier><sender>s@x</sender>'
            f'<sent>2025-06-11T09:30:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>'
            f'<scope>Public</scope>{extra_head}{info}</alert>')


@pytest.mark.parametrize("doc, message", [
    (_minimal().replace("<sender>s@x</sender>", ""), "alert.sender: missing"),
    (_minimal().replace("Actual", "Real"), "alert.status: 'Real' is not one of"),
    (_minimal("<references>just-an-id</references>"), "alert.references[0]: expected sender,identifier,sent"),
    (_minimal(info="<info><category>Met</category><event>x</event><urgency>Now</urgency>"
                   "<severity>Minor</severity><certainty>Likely</certainty></info>"), "info[0].urgency: 'Now'"),
    (_minimal(info="<info><event>x</event></info>"), "info[0].category: missing"),
    (_minimal(info="<info><category>Met</category><event>x</event><urgency>Past</urgency><severity>Minor"
                   "</severity><certainty>Likely</certainty><area><areaDesc>a</areaDesc>"
                   "<circle>32,118 -1</circle></area></info>"), "info[0].area[0].circle[0].radius"),
    (_minimal(info="<info><category>Met</category><event>x</event><urgency>Past</urgency><severity>Minor"
                   "</severity><certainty>Likely</certainty><area><areaDesc>a</areaDesc>"
                   "<polygon>32,118 33,118 32,118</polygon></area></info>"), "info[0].area[0].polygon[0]: a polygon"),
    ("<feed/>", "alert: expected <alert>"),
    ("<alert>", "alert: not well-formed XML"),
])
def test_invalid_alerts(doc, message):
    with pytest.raises(ParseError) as info:
        cap.parse(doc)
    assert str(info.value).startswith(message)


def test_atom_index_oldest_first_relative_links_resolved_and_linkless_entry_rejected():
    entries, rejects = cap.parse_index((FIX / "alerts.atom").read_bytes(), "http://127.0.0.1:9000/cap/alerts.atom")
    assert [e.id for e in entries] == ["LH-MET-20250611-0007", "LH-MET-20250611-0009"]
    assert entries[0].cap_url == "http://127.0.0.1:9000/cap/alerts/LH-MET-20250611-0007.xml"
    assert entries[1].cap_url == "http://127.0.0.1:8765/cap/alerts/LH-MET-20250611-0009.xml"
    assert entries[1].updated == datetime(2025, 6, 11, 7, 0, tzinfo=timezone.utc)
    assert [r.reason for r in rejects] == [
        "entry[2].link: no link to a CAP document (a CAP, XML, Atom or untyped link) and no CAP in <content>"]


def test_an_index_must_be_atom_or_rss():
    with pytest.raises(ParseError, match="feed: expected an Atom <feed> or an RSS 2.0 <rss>"):
        cap.parse_index(b"<channel/>")
    with pytest.raises(ParseError, match="rss: an RSS document without a <channel>"):
        cap.parse_index(b"<rss/>")
