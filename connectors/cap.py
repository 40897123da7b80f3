"""OASIS CAP 1.0, 1.1 and 1.2 alerts → alert events, normalized the same way; cap_index reads the
indexes (Atom, RSS 2.0) that list them, and the connector.

parse() reads one <alert> of any of the three versions (its namespace says which). The payload:
- the alert's own fields (identifier, sender, sent, status, msg_type, scope, references, cap_version);
- `infos`: every <info> block, each with its language, all its categories, event, urgency, severity,
  certainty, headline, description, instruction, effective/onset/expires, area description,
  geocodes and parameters;
- the first info's fields at the top (event, category = its first category, urgency …), as before;
  `categories`: every category of every info, in order, once each;
- per screen language the info in that language where there is one (headline_zh, headline_en,
  description_… and instruction_…; else the first info's);
- `geocodes`: every <geocode> of every area, once each, as [{"valueName", "value"}] — the geography
  maps them to the city's districts; geometry and area_desc from the first info with an area.
Versions differ in small ways, all read here: CAP 1.0 writes <geocode>, <parameter> and <eventCode>
as "valueName=value" text (1.1 and 1.2 as <valueName>/<value> children), and 1.0/1.1 allow
certainty "Very Likely" (1.2: "Likely"), normalized to "Likely". A 1.0 <password> is never kept.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from dashboard.domain.events import ALERT, Event

from . import parsing as p
from .errors import ParseError
from .cap_geometry import centroid, circle_ring, geometry, mean_point, polygon_ring
from .parsing import Parsed
from .xml_safe import child_text, children, local, namespace, parse_xml

NAME = "cap"
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_NAMESPACES = {"urn:oasis:names:tc:emergency:cap:1.2": "1.2", "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
                  "http://www.incident.com/cap/1.0": "1.0"}
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
OLDER_WORDS = {"certainty": {"Very Likely": "Likely"}}   # CAP 1.0 and 1.1 (deprecated in 1.1, gone in 1.2)
BILINGUAL = ("headline", "description", "instruction")
SCREEN_LANGUAGES = ("zh", "en")


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """One CAP 1.0/1.1/1.2 alert document → a Parsed holding one alert event."""
    return parse_element(parse_xml(data, "alert"), source=source)


def parse_element(root: ET.Element, *, source: str = NAME) -> Parsed:
    """An <alert> element (a document's root, or one embedded in an Atom entry's content)."""
    if local(root.tag) != "alert":
        raise ParseError(f"expected <alert>, got <{local(root.tag)}>", "alert")
    version = CAP_NAMESPACES.get(namespace(root.tag))
    if version is None:
        raise ParseError(f"namespace {namespace(root.tag) or '(none)'!r} is not CAP 1.0, 1.1 or 1.2 "
                         f"({', '.join(CAP_NAMESPACES)})", "alert")
    head = {name: _required(root, name, "alert") for name in ("identifier", "sender", "sent", "status",
                                                                  "msgType", "scope")}
    for name in ("status", "msgType", "scope"):
        _check_enum(head[name], name, f"alert.{name}")
    sent = p.timestamp(head["sent"], "alert.sent")
    infos = [_info(elem, f"info[{i}]", version) for i, elem in enumerate(children(root, "info"))]
    first = infos[0] if infos else {}
    by_lang: dict[str, dict] = {}
    for info in infos:
        by_lang.setdefault(info["language"].lower()[:2], info)
    with_areas = next((i for i in infos if i.get("rings") or i.get("points")),
                      next((i for i in infos if i.get("area_desc")), {}))
    rings = with_areas.get("rings", [])
    centre = centroid(rings) or mean_point(with_areas.get("points", []))
    payload: dict[str, Any] = {
        "identifier": head["identifier"], "sender": head["sender"], "sent": sent.isoformat(),
        "status": head["status"], "msg_type": head["msgType"], "scope": head["scope"], "cap_version": version,
        "references": _references(child_text(root, "references"), version),
        "event": first.get("event"), "category": (first.get("categories") or [None])[0],
        "categories": _once(c for info in infos for c in info["categories"]),
        "urgency": first.get("urgency"), "severity": first.get("severity"), "certainty": first.get("certainty"),
        "headline": first.get("headline"), "description": first.get("description"),
        "instruction": first.get("instruction"), "language": first.get("language"),
        "effective": first.get("effective"), "expires": first.get("expires"),
        "area_desc": with_areas.get("area_desc"), "geometry": geometry(rings),
        "geocodes": _once_dicts(g for info in infos for g in info["geocodes"]),
        "infos": [{k: v for k, v in info.items() if k not in ("rings", "points")} for info in infos],
    }
    for field in BILINGUAL:
        for lang in SCREEN_LANGUAGES:
            payload[f"{field}_{lang}"] = by_lang.get(lang, {}).get(field) or first.get(field)
    lat, lon = (centre[1], centre[0]) if centre else (None, None)
    return Parsed([Event(source, ALERT, head["identifier"], sent, payload, lat, lon, sent)])


def info_for_language(payload: dict, lang: str) -> dict:
    """The info block in the screen's language (zh-CN → a zh info), else the first; {} if none."""
    infos = payload.get("infos") or []
    want = (lang or "").lower()[:2]
    return next((i for i in infos if str(i.get("language", "")).lower()[:2] == want), infos[0] if infos else {})


def _once(values) -> list:
    return list(dict.fromkeys(values))


def _once_dicts(items) -> list[dict]:
    seen, out = set(), []
    for item in items:
        key = (item["valueName"], item["value"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _required(elem: ET.Element, name: str, where: str) -> str:
    value = child_text(elem, name)
    if value is None:
        raise ParseError("missing", f"{where}.{name}")
    return value


def _check_enum(value: str, name: str, where: str) -> str:
    value = OLDER_WORDS.get(name, {}).get(value, value)
    if value not in ENUMS[name]:
        raise ParseError(f"{value[:40]!r} is not one of {', '.join(ENUMS[name])}", where)
    return value


def _references(text: str | None, version: str = "1.2") -> list[str]:
    """ "sender,identifier,sent sender,identifier,sent" → the identifiers. CAP 1.0 senders also
    wrote "sender,identifier" or the identifier alone."""
    out = []
    for i, triple in enumerate((text or "").split()):
        parts = triple.split(",")
        if version == "1.0" and len(parts) in (1, 2) and parts[-1]:
            out.append(parts[-1])
            continue
        if len(parts) != 3 or not parts[1]:
            raise ParseError(f"expected sender,identifier,sent, got {triple[:80]!r}", f"alert.references[{i}]")
        out.append(parts[1])
    return out


def _pairs(elem: ET.Element, name: str, where: str) -> list[dict[str, str]]:
    """<geocode>, <parameter>, <eventCode>: {"valueName", "value"} from <valueName>/<value> children
    (1.1, 1.2) or from "valueName=value" text (1.0; also accepted from later versions)."""
    out = []
    for k, item in enumerate(children(elem, name)):
        value_name, value = child_text(item, "valueName"), child_text(item, "value")
        if value_name is None and value is None and len(item) == 0:
            text = (item.text or "").strip()
            if "=" not in text:
                raise ParseError(f"expected valueName=value or <valueName>/<value>, got {text[:40]!r}",
                                 f"{where}.{name}[{k}]")
            value_name, value = (part.strip() for part in text.split("=", 1))
        if not value_name or value is None:
            raise ParseError("needs a valueName and a value", f"{where}.{name}[{k}]")
        out.append({"valueName": value_name, "value": value})
    return out


def _info(elem: ET.Element, where: str, version: str = "1.2") -> dict[str, Any]:
    info: dict[str, Any] = {"language": child_text(elem, "language") or "en-US"}
    categories = _once((c.text or "").strip() for c in children(elem, "category") if (c.text or "").strip())
    if not categories:
        raise ParseError("missing", f"{where}.category")
    info["categories"] = categories
    info["event"] = _required(elem, "event", where)
    for name in ("urgency", "severity", "certainty"):
        info[name] = _check_enum(_required(elem, name, where), name, f"{where}.{name}")
    for name in BILINGUAL:
        info[name] = child_text(elem, name)
    info["sender_name"] = child_text(elem, "senderName")
    for name in ("effective", "onset", "expires"):
        value = p.timestamp(child_text(elem, name), f"{where}.{name}", required=False)
        info[name] = value.isoformat() if value else None
    info["event_codes"] = _pairs(elem, "eventCode", where)
    info["parameters"] = _pairs(elem, "parameter", where)
    rings, points, descs, geocodes = [], [], [], []
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
        geocodes.extend(_pairs(area, "geocode", here))
    info["rings"], info["points"], info["area_desc"] = rings, points, "; ".join(descs) or None
    info["geocodes"] = _once_dicts(geocodes)
    return info


# the indexes and the connector live in cap_index; these names stay importable from here
from .cap_index import CapConnector, IndexEntry, parse_index  # noqa: E402,F401
