"""OASIS CAP 1.2 alerts → alert events; an Atom feed lists them.

parse() reads one CAP 1.2 <alert> (namespace checked). The payload takes its fields from the
first <info>, and keeps the Chinese and the English headline, description and instruction
(headline_zh, headline_en …; each falls back to the first info's). parse_index() reads the Atom
index; the connector fetches the alerts it has not seen yet, oldest first.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from dashboard.domain.events import ALERT, Event

from . import parsing as p
from .base import HttpError, IngestSink, ParseError, PollingConnector
from .cap_geometry import centroid, circle_ring, geometry, mean_point, polygon_ring
from .parsing import Parsed, Reject
from .xml_safe import child_text, children, local, namespace, parse_xml, to_text

NAME = "cap"
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPES = ("application/cap+xml", "application/common-alerting-protocol+xml")
ENUMS = {
    "status": ("Actual", "Exercise", "System", "Test", "Draft"),
    "msgType": ("Alert", "Update", "Cancel", "Ack", "Error"),
    "scope": ("Public", "Restricted", "Private"),
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
}
BILINGUAL = ("headline", "description", "instruction")


@dataclass(frozen=True)
class IndexEntry:
    id: str
    updated: datetime
    title: str | None
    cap_url: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, p.iso_z(self.updated))


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """One CAP 1.2 alert document → a Parsed holding one alert event."""
    root = parse_xml(data, "alert")
    if local(root.tag) != "alert":
        raise ParseError(f"expected <alert>, got <{local(root.tag)}>", "alert")
    if namespace(root.tag) != CAP_NS:
        raise ParseError(f"namespace {namespace(root.tag) or '(none)'!r} is not CAP 1.2 ({CAP_NS})", "alert")
    head = {name: _required(root, name, "alert") for name in ("identifier", "sender", "sent", "status",
                                                                  "msgType", "scope")}
    for name in ("status", "msgType", "scope"):
        _check_enum(head[name], name, f"alert.{name}")
    sent = p.timestamp(head["sent"], "alert.sent")
    infos = [_info(elem, f"info[{i}]") for i, elem in enumerate(children(root, "info"))]
    first = infos[0] if infos else {}
    by_lang = {}
    for info in infos:
        by_lang.setdefault(info["language"].lower()[:2], info)
    with_areas = next((i for i in infos if i.get("rings") or i.get("points")),
                      next((i for i in infos if i.get("area_desc")), {}))
    rings = with_areas.get("rings", [])
    centre = centroid(rings) or mean_point(with_areas.get("points", []))
    payload: dict[str, Any] = {
        "identifier": head["identifier"], "sender": head["sender"], "sent": sent.isoformat(),
        "status": head["status"], "msg_type": head["msgType"], "scope": head["scope"],
        "references": _references(child_text(root, "references")),
        "event": first.get("event"), "category": first.get("category"), "urgency": first.get("urgency"),
        "severity": first.get("severity"), "certainty": first.get("certainty"),
        "headline": first.get("headline"), "description": first.get("description"),
        "instruction": first.get("instruction"), "language": first.get("language"),
        "effective": first.get("effective"), "expires": first.get("expires"),
        "area_desc": with_areas.get("area_desc"), "geometry": geometry(rings),
    }
    for field in BILINGUAL:
        for lang in ("zh", "en"):
            payload[f"{field}_{lang}"] = by_lang.get(lang, {}).get(field) or first.get(field)
    lat, lon = (centre[1], centre[0]) if centre else (None, None)
    return Parsed([Event(source, ALERT, head["identifier"], sent, payload, lat, lon, sent)])


def _required(elem: ET.Element, name: str, where: str) -> str:
    value = child_text(elem, name)
    if value is None:
        raise ParseError("missing", f"{where}.{name}")
    return value


def _check_enum(value: str, name: str, where: str) -> None:
    if value not in ENUMS[name]:
        raise ParseError(f"{value[:40]!r} is not one of {', '.join(ENUMS[name])}", where)


def _references(text: str | None) -> list[str]:
    """ "sender,identifier,sent sender,identifier,sent" → the identifiers."""
    out = []
    for i, triple in enumerate((text or "").split()):
        parts = triple.split(",")
        if len(parts) != 3 or not parts[1]:
            raise ParseError(f"expected sender,identifier,sent, got {triple[:80]!r}", f"alert.references[{i}]")
        out.append(parts[1])
    return out


def _info(elem: ET.Element, where: str) -> dict[str, Any]:
    info: dict[str, Any] = {"language": child_text(elem, "language") or "en-US"}
    categories = [(c.text or "").strip() for c in children(elem, "category") if (c.text or "").strip()]
    if not categories:
        raise ParseError("missing", f"{where}.category")
    info["category"] = categories[0]
    info["event"] = _required(elem, "event", where)
    for name in ("urgency", "severity", "certainty"):
        info[name] = _required(elem, name, where)
        _check_enum(info[name], name, f"{where}.{name}")
    for name in BILINGUAL:
        info[name] = child_text(elem, name)
    for name in ("effective", "expires"):
        value = p.timestamp(child_text(elem, name), f"{where}.{name}", required=False)
        info[name] = value.isoformat() if value else None
    rings, points, descs = [], [], []
    for j, area in enumerate(children(elem, "area")):
        here = f"{where}.area[{j}]"
        descs.append(_required(area, "areaDesc", here))
        for k, poly in enumerate(children(area, "polygon")):
            rings.append(polygon_ring((poly.text or ""), f"{here}.polygon[{k}]"))
        for k, circle in enumerate(children(area, "circle")):
            ring, centre = circle_ring((circle.text or ""), f"{here}.circle[{k}]")
            if ring:
                rings.append(ring)
            else:
                points.append(centre)
    info["rings"], info["points"], info["area_desc"] = rings, points, "; ".join(descs) or None
    return info


def parse_index(data: bytes | str, base_url: str = "") -> tuple[list[IndexEntry], list[Reject]]:
    """An Atom feed → its entries that link a CAP document (oldest first), and the rejected ones."""
    root = parse_xml(data, "feed")
    if local(root.tag) != "feed" or namespace(root.tag) != ATOM_NS:
        raise ParseError(f"expected an Atom <feed>, got <{local(root.tag)}> in {namespace(root.tag) or 'no namespace'}",
                         "feed")
    entries, rejects = [], []
    for i, entry in enumerate(children(root, "entry")):
        where = f"entry[{i}]"
        try:
            entry_id = _required(entry, "id", where)
            updated = p.timestamp(child_text(entry, "updated"), f"{where}.updated")
            href = _cap_link(entry, where)
            entries.append(IndexEntry(entry_id, updated, child_text(entry, "title"), urljoin(base_url, href)))
        except (ParseError, ValueError) as exc:
            rejects.append(Reject(to_text(entry), p.item_failure(exc, where)))
    entries.sort(key=lambda e: e.updated)
    return entries, rejects


def _cap_link(entry: ET.Element, where: str) -> str:
    links = children(entry, "link")
    for link in links:
        if link.get("type", "").lower() in CAP_TYPES and link.get("href"):
            return link.get("href", "").strip()
    for link in links:   # some feeds leave the type out; the alternate link is then the alert
        if link.get("rel", "alternate") == "alternate" and link.get("href", "").strip().lower().endswith(".xml"):
            return link.get("href", "").strip()
    raise ParseError("no link to a CAP document (type application/cap+xml)", f"{where}.link")


class CapConnector(PollingConnector):
    def __init__(self, index_url: str, *, name: str = NAME, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.index_url = index_url
        self._seen: set[tuple[str, str]] = set()

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        body = self.get(self.index_url, headers={"Accept": "application/atom+xml"}).body
        entries, rejects = self.parse_payload(sink, body, parse_index, self.index_url)
        for reject in rejects:
            self.dead_letter(sink, reject.raw, reject.reason)
        saved = _time_or_none(sink.load_checkpoint(self.name))
        todo = [e for e in entries if e.key not in self._seen and (saved is None or e.updated >= saved)]
        total = bad = 0
        for entry in todo:   # oldest first, so that the checkpoint only moves past what is done
            try:
                alert = self.get(entry.cap_url, headers={"Accept": "application/cap+xml"}).body
                total += self.deliver(sink, self.parse_payload(sink, alert, parse, source=self.name))
            except ParseError:
                bad += 1   # dead-lettered by parse_payload
            except HttpError as exc:   # the index names an alert the server will not give
                self.dead_letter(sink, f"{entry.id} {entry.cap_url}", str(exc))
                bad += 1
            self._seen.add(entry.key)
            if saved is None or entry.updated > saved:
                saved = entry.updated
                sink.save_checkpoint(self.name, p.iso_z(saved))
        self._seen &= {e.key for e in entries}   # forget what has left the index
        return total, f"{total} alerts" + (f", {bad} rejected" if bad else "")


def _time_or_none(value: str | None) -> datetime | None:
    try:
        return p.timestamp(value, "checkpoint") if value else None
    except ParseError:
        return None
