"""CAP 1.2 alerts: an Atom index (newest first, one entry per message) and each message as CAP XML
with info blocks in zh-CN and en and an area of polygons or a circle."""
from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Callable

from ..simulation import alert_texts as T
from ..simulation.alerts import AlertMessage, AlertStream
from ..simulation.clock import iso_local
from .http import Request, Response

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_ENTRIES = 100
_ALERT_PATH = re.compile(r"^/alerts/([A-Za-z0-9._-]+)\.xml$")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def cap_xml(m: AlertMessage) -> bytes:
    # tags stay unqualified; the root's xmlns attribute puts them all in the CAP namespace
    alert = ET.Element("alert", xmlns=CAP_NS)
    for tag, text in (("identifier", m.identifier), ("sender", m.sender), ("sent", iso_local(m.sent)),
                      ("status", "Actual"), ("msgType", m.msg_type), ("scope", "Public")):
        _sub(alert, tag, text)
    if m.references:
        _sub(alert, "references", " ".join(f"{s},{i},{iso_local(t)}" for s, i, t in m.references))
    event_zh, event_en, category, desc_zh, desc_en, instr_zh, instr_en = m.texts
    colour_en = T.COLOURS[m.colour][0]
    response_type = "AllClear" if m.msg_type == "Cancel" else (
        "Prepare" if m.severity in ("Severe", "Extreme") else "Monitor")
    for lang, event, sender_name, headline, desc, instr, area_desc in (
            ("zh-CN", f"{event_zh}{m.colour}预警", m.issuer[0], m.headline_zh, desc_zh, instr_zh, m.area.desc_zh),
            ("en", f"{event_en} ({colour_en})", m.issuer[1], m.headline_en, desc_en, instr_en, m.area.desc_en)):
        info = _sub(alert, "info")
        _sub(info, "language", lang)
        _sub(info, "category", category)
        _sub(info, "event", event)
        _sub(info, "responseType", response_type)
        for tag, text in (("urgency", m.urgency), ("severity", m.severity), ("certainty", m.certainty)):
            _sub(info, tag, text)
        code = _sub(info, "eventCode")
        _sub(code, "valueName", "LH_EVENT")
        _sub(code, "value", f"{m.event}-{colour_en}")
        _sub(info, "effective", iso_local(m.effective))
        _sub(info, "expires", iso_local(m.expires))
        _sub(info, "senderName", sender_name)
        _sub(info, "headline", headline)
        _sub(info, "description", desc)
        _sub(info, "instruction", instr)
        area = _sub(info, "area")
        _sub(area, "areaDesc", area_desc)
        for ring in m.area.polygons:     # CAP polygons are "lat,lon" pairs
            _sub(area, "polygon", " ".join(f"{lat},{lon}" for lon, lat in ring))
        if m.area.circle:
            lat, lon, radius = m.area.circle
            _sub(area, "circle", f"{lat},{lon} {radius}")
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def atom_xml(messages: list[AlertMessage], base_url: str, now: datetime) -> bytes:
    feed = ET.Element("feed", xmlns=ATOM_NS)
    newest = sorted(messages, key=lambda m: (m.sent, m.identifier), reverse=True)[:ATOM_ENTRIES]
    _sub(feed, "id", f"{base_url}/cap/alerts.atom")
    _sub(feed, "title", "澜海市预警信息发布 · Lanhai public warnings")
    _sub(feed, "updated", iso_local(newest[0].sent if newest else now))
    author = _sub(feed, "author")
    _sub(author, "name", f"{T.ISSUER[0]} {T.ISSUER[1]}")
    _sub(feed, "link", rel="self", href=f"{base_url}/cap/alerts.atom")
    for m in newest:
        url = f"{base_url}/cap/alerts/{m.identifier}.xml"
        entry = _sub(feed, "entry")
        _sub(entry, "id", url)
        _sub(entry, "title", m.headline_zh)
        _sub(entry, "updated", iso_local(m.sent))
        _sub(entry, "published", iso_local(m.sent))
        _sub(entry, "summary", m.headline_en)
        _sub(entry, "category", term=m.texts[2])
        _sub(entry, "link", rel="alternate", type="application/cap+xml", href=url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


class CapService:
    def __init__(self, stream: AlertStream, clock: Callable[[], datetime]):
        self.stream = stream
        self.clock = clock
        self.lock = threading.Lock()

    def __call__(self, req: Request) -> Response:
        with self.lock:
            now = self.clock()
            self.stream.advance(now)
            if req.path == "/alerts.atom":
                return Response.xml(atom_xml(self.stream.messages, req.base_url, now),
                                    content_type="application/atom+xml")
            match = _ALERT_PATH.match(req.path)
            found = match and next((m for m in self.stream.messages if m.identifier == match.group(1)), None)
            if found:
                return Response.xml(cap_xml(found), content_type="application/cap+xml")
        return Response(404, b"no such alert\n", "text/plain; charset=utf-8")
