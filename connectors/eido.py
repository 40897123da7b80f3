"""NENA EIDO (Emergency Incident Data Object, NENA-STA-021.1a-2022) JSON → case_report events.

An EIDO carries one incident (incidentComponent) and the components it refers to by
{"$ref": "<$id>"}: locations (locationComponent, the place as a PIDF-LO document in
locationByValue), calls, notes and more. A document may also be an array of EIDOs. Each incident
becomes one case_report with source "eido" (the event kinds are fixed; an emergency incident is a
case like any other, only its category says emergency):

- source_id: the Incident component's `$id`, its incident tracking identifier (NENA-STA-021.1b;
  incidentTrackingIdentifier, which some senders of earlier drafts use, when there is no `$id`); updated_at: the incident's lastUpdateTimeStamp (so a
  later EIDO of the same incident is a newer version); observed_at: the first call's
  callStartTimestamp, else the same as updated_at.
- service_code: the incident type mapped to our category by CATEGORY_RULES below;
  service_name: the incident type as sent.
- status: "closed" if a status word is in CLOSED_WORDS, else "open"; status_notes: the statuses.
- description: the incident's notes (notesActionComments, HTML reduced to text).
- address and lat/lon: from the incident's (first referenced) location — a PIDF-LO document
  (gml Point/Circle/Ellipse pos, "lat lon"; a Polygon's vertex mean; civicAddress) or a GeoJSON
  Point (object or text), with locationDescriptionText as the address when there is no civic one.
Personal data of callers (personComponent) is not carried over.
The Incident component is optional (a call transfer EIDO carries calls, locations and people only):
such an EIDO is valid and is skipped with its reason (Parsed.skipped), not rejected.
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from dashboard.domain.events import CASE_REPORT, Event

from . import parsing as p
from .base import HttpError, IngestSink, PollingConnector, save_newer_time
from .eido_location import location_by_value
from .errors import ParseError
from .http import credential_headers, explain_refusal
from .parsing import Parsed, Reject

__all__ = ["CATEGORY_RULES", "EidoConnector", "category_of", "location_by_value", "parse", "status_of"]

NAME = "eido"
# Incident type → category, first match wins (so "Vehicle Fire" is a fire). Matched as whole words
# in incidentTypeCommonRegistryText, then incidentTypeInternalText and incidentTypeInternalCode —
# NENA's registry and APCO 2.103.2 common incident types ("Fire.Structure", "TRAFFIC") alike.
CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1202", ("fire", "fires", "wildfire", "wildland", "smoke", "burning", "explosion", "arson")),   # 火灾 fire
    ("0902", ("gas leak", "gas odor", "odor of gas", "natural gas")),                                # 燃气泄漏 gas leak
    ("1203", ("earthquake", "landslide", "mudslide", "debris flow", "rockfall", "rock slide", "sinkhole",
              "avalanche", "subsidence", "ground collapse", "geological")),                          # 地质灾害
    ("1002", ("traffic", "crash", "collision", "motor vehicle", "vehicle accident", "road accident",
              "mva", "mvc", "hit and run")),                                                          # 交通事故
    ("1201", ("weather", "storm", "flood", "flooding", "tornado", "hurricane", "typhoon", "lightning",
              "hail", "blizzard", "heat wave")),                                                      # 气象灾害
)
OTHER_CODE = "0999"                                                                                   # 其他问题
TYPE_FIELDS = ("incidentTypeCommonRegistryText", "incidentTypeInternalText", "incidentTypeInternalCode")
CLOSED_WORDS = {"closed", "cleared", "completed", "complete", "resolved", "cancelled", "canceled",
                "terminated", "archived", "ended"}
INCIDENT_PLACES = ("currentincident", "incident", "initial")   # location types to prefer without a reference


def parse(data: bytes | str, *, source: str = NAME) -> Parsed:
    """An EIDO, or an array of EIDOs → one case_report per incident; bad ones become rejects."""
    doc = p.load_json(data, "eido")
    if isinstance(doc, dict):
        if doc.get("incidentComponent") is None and not looks_like_eido(doc):
            raise ParseError("not an EIDO: no $id, eidoVersion or …Component member", "eido")
        if doc.get("incidentComponent") is not None and not isinstance(doc["incidentComponent"], (dict, list)):
            raise ParseError("expected an object", "incidentComponent")
        documents, single = [doc], True
    elif isinstance(doc, list):
        documents, single = doc, False
    else:
        raise ParseError(f"expected an EIDO object or an array of them, got {type(doc).__name__}", "eido")
    out = Parsed()
    for i, item in enumerate(documents):
        at = "" if single else f"[{i}]"
        try:
            if not isinstance(item, dict):
                raise ParseError(f"expected an EIDO object, got {type(item).__name__}", at)
            incidents = _incidents(item, at)
        except ParseError as exc:
            out.rejects.append(Reject(p.dump_raw(item), str(exc)))
            continue
        if not incidents:
            out.skipped.append(Reject(p.dump_raw(item), f"{_join(at, 'incidentComponent')}: none in this EIDO "
                                      f"{_eido_id(item)}(e.g. a call transfer): no case to make"))
        for suffix, incident in incidents:
            where = _join(at, "incidentComponent" + suffix)
            try:
                out.append(_event(item, at, incident, where, source))
            except (ParseError, ValueError, TypeError, OverflowError) as exc:
                out.rejects.append(Reject(p.dump_raw(item), p.item_failure(exc, where)))
    return out


def looks_like_eido(doc: dict) -> bool:
    """An EIDO object (every member but the prologue is optional): an $id with an EIDO version, or
    any of its …Component members."""
    return ("eidoVersion" in doc or "issuingElementIdentification" in doc
            or any(isinstance(k, str) and k.endswith("Component") for k in doc))


def _eido_id(doc: dict) -> str:
    value = doc.get("$id")
    return f"{str(value)[:120]} " if isinstance(value, (str, int)) and str(value).strip() else ""


def _join(at: str, name: str) -> str:
    return f"{at}.{name}" if at else name


def _incidents(doc: dict, at: str) -> list[tuple[str, Any]]:
    """incidentComponent: one object (the standard), or an array (some senders)."""
    value = doc.get("incidentComponent")
    if isinstance(value, dict):
        return [("", value)]
    if isinstance(value, list) and value:
        return [(f"[{j}]", v) for j, v in enumerate(value)]
    if value in (None, []):
        if looks_like_eido(doc):
            return []   # valid: the Incident component is optional
        raise ParseError("missing, and no other EIDO member either", _join(at, "incidentComponent"))
    raise ParseError("expected an object", _join(at, "incidentComponent"))


def _event(doc: dict, at: str, incident: Any, where: str, source: str) -> Event:
    if not isinstance(incident, dict):
        raise ParseError(f"expected an object, got {type(incident).__name__}", where)
    # the incident tracking identifier is the Incident component's $id (NENA-STA-021.1b)
    if incident.get("$id") is not None:
        tracking_id = p.text(incident.get("$id"), f"{where}.$id", required=True)
    else:
        tracking_id = p.text(incident.get("incidentTrackingIdentifier"), f"{where}.$id", required=True)
    updated = _updated_at(incident, where) or _updated_at(doc, at)
    if updated is None:
        raise ParseError("missing (on the incident and on the EIDO)", f"{where}.lastUpdateTimeStamp")
    calls = [_time(c.get("callStartTimestamp"), _join(at, f"callComponent[{k}].callStartTimestamp"))
             for k, c in enumerate(_list(doc.get("callComponent"))) if isinstance(c, dict)]
    calls = [t for t in calls if t is not None]
    type_texts = [t for key in TYPE_FIELDS for t in _texts(incident.get(key), f"{where}.{key}")]
    statuses = [t for key in ("incidentStatusCommonRegistryText", "incidentStatusInternalText")
                for t in _texts(incident.get(key), f"{where}.{key}")]
    lat, lon, address = _place(doc, at, incident, where)
    payload = {
        "service_code": category_of(type_texts), "status": status_of(statuses),
        "service_name": type_texts[0] if type_texts else None, "description": _notes(doc, incident),
        "status_notes": "; ".join(statuses) or None, "address": address, "media_url": None,
        "agency_responsible": None, "reporter_name": None, "reporter_phone": None,
        "incident_type": type_texts[0] if type_texts else None,
        "priority": p.integer(incident.get("incidentCommonPriorityNumber"), f"{where}.incidentCommonPriorityNumber",
                              required=False),
    }
    return Event(source, CASE_REPORT, tracking_id, min(calls) if calls else updated, payload, lat, lon, updated)


def category_of(type_texts: list[str]) -> str:
    for text in type_texts:
        words = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "
        for code, keywords in CATEGORY_RULES:
            if any(f" {k} " in words for k in keywords):
                return code
    return OTHER_CODE


def status_of(statuses: list[str]) -> str:
    words = {w for s in statuses for w in re.findall(r"[a-z]+", s.lower())}
    return "closed" if words & CLOSED_WORDS else "open"


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


def _texts(value: Any, where: str) -> list[str]:
    """A registry text is a string, or (in newer registries) an array of them."""
    items = value if isinstance(value, list) else [value]
    return [t for k, v in enumerate(items) if (t := p.text(v, f"{where}[{k}]" if isinstance(value, list) else where))]


def _time(value: Any, where: str) -> datetime | None:
    return p.timestamp(value, where, required=False)


def _updated_at(component: dict, where: str) -> datetime | None:
    # NENA's text spells it lastUpdateTimeStamp; some implementations lastUpdateTimestamp
    for key in ("lastUpdateTimeStamp", "lastUpdateTimestamp"):
        if component.get(key) is not None:
            return _time(component.get(key), _join(where, key))
    return None


def _refs(value: Any) -> list[str]:
    """{"$ref": "#id"}, [{"$ref": …}, …] or plain id strings → the ids."""
    out = []
    for item in value if isinstance(value, list) else [value]:
        ref = item.get("$ref") if isinstance(item, dict) else item
        if isinstance(ref, str) and ref.strip():
            out.append(ref.strip().lstrip("#").removeprefix("$ref:"))
    return out


def _component_id(component: dict) -> str | None:
    value = component.get("$id", component.get("componentIdentifier"))
    return str(value) if value is not None else None


def _notes(doc: dict, incident: dict) -> str | None:
    notes = [n for n in _list(doc.get("notesComponent")) if isinstance(n, dict)]
    wanted = _refs(incident.get("notesReference"))
    if wanted:
        notes = [n for n in notes if _component_id(n) in wanted]
    texts = []
    for note in notes:
        comment = note.get("notesActionComments")
        if isinstance(comment, str) and comment.strip():
            plain = html.unescape(re.sub(r"<[^>]*>", " ", comment))   # notes are HTML5
            texts.append(re.sub(r"\s+", " ", plain).strip())
    return "\n".join(t for t in texts if t) or None


def _place(doc: dict, at: str, incident: dict, where: str) -> tuple[float | None, float | None, str | None]:
    locations = [(k, loc) for k, loc in enumerate(_list(doc.get("locationComponent"))) if isinstance(loc, dict)]
    wanted = _refs(incident.get("locationReference"))
    if wanted:
        chosen = [(k, loc) for k, loc in locations if _component_id(loc) in wanted]
        if not chosen:
            raise ParseError(f"location {wanted[0]!r} is not among the locationComponent entries",
                             f"{where}.locationReference")
    else:
        chosen = sorted(locations, key=lambda kl: str(kl[1].get("locationTypeDescriptionRegistryText", "")).lower()
                        not in INCIDENT_PLACES)
    if not chosen:
        return None, None, None
    k, location = chosen[0]
    here = _join(at, f"locationComponent[{k}]")
    lat, lon, address = location_by_value(location.get("locationByValue"), f"{here}.locationByValue")
    if address is None:
        address = p.text(location.get("locationDescriptionText"), f"{here}.locationDescriptionText")
    return lat, lon, address


class EidoConnector(PollingConnector):
    """Polls an HTTP endpoint that answers with an EIDO or an array of EIDOs (the emergency
    dispatch system's current incidents) every poll_seconds. Credentials: a Bearer token, or
    HTTP Basic. Each incident is a case_report versioned by its lastUpdateTimeStamp: a repeated
    EIDO is stored once, a later one is a newer version. The checkpoint is the newest
    lastUpdateTimeStamp delivered and never moves back."""

    def __init__(self, url: str, *, name: str = NAME, token: str = "", username: str = "", password: str = "",
                 **kw: Any) -> None:
        super().__init__(name, **kw)
        self.url = url
        self.headers = {"Accept": "application/json",
                        **credential_headers(username=username, password=password, token=token)}

    def poll(self, sink: IngestSink) -> tuple[int, str]:
        try:
            body = self.get(self.url, headers=self.headers).body
        except HttpError as exc:
            raise explain_refusal(exc, "CITYOPS_EIDO_TOKEN (or CITYOPS_EIDO_USERNAME and CITYOPS_EIDO_PASSWORD)") \
                from None
        parsed = self.parse_payload(sink, body, parse, source=self.name)
        count = self.deliver(sink, parsed)
        save_newer_time(sink, self.name, max((e.updated_at for e in parsed), default=None))
        return count, (f"{count} incidents" + (f", {len(parsed.rejects)} rejected" if parsed.rejects else "")
                       + (f", {len(parsed.skipped)} without an incident skipped" if parsed.skipped else ""))
