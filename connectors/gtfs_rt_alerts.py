"""GTFS-realtime Alert entities → alert events, shaped like CAP alerts so that the map, the wall
and the alert list show them the same way (pure).

- source_id: the entity id; payload "identifier" is "<source>:<entity id>" (the alerts table is
  shared with CAP). observed_at/updated_at: the feed header's timestamp (GTFS-rt alerts carry no
  time of their own). payload "version" is a digest of the alert's content: the connector
  delivers an alert again only when it changed, and ends alerts that leave a full feed.
- cause, effect, severity_level: the enum names, None when the feed leaves them out; "severity"
  maps severity_level onto CAP's words (INFO → Minor, WARNING → Moderate, SEVERE → Severe).
- header_text, description_text, url, cause_detail, effect_detail: every translation
  {language: text} ("" for a translation without a language); headline_zh/en and
  description_zh/en pick the Chinese and English ones (else the untagged, else the first).
- informed_entities: agency_id, route_id, route_type, stop_id, direction_id, trip — each None when
  absent; area_desc says them in words ("route 219; stop 16230"). No geometry: stops and routes
  are ids of the static GTFS, which CityOps does not load.
- active_periods: [{start, end}] as ISO UTC, None for an open side; "effective" is the earliest
  start, "expires" the latest end (None when any period is open-ended).
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from google.transit import gtfs_realtime_pb2

from dashboard.domain.events import ALERT, Event

from .errors import ParseError
from .gtfs_rt_trips import iso, optional, optional_text, posix_time, trip_descriptor

STANDARD = "gtfs-rt"
_ALERT = gtfs_realtime_pb2.Alert
SEVERITY_AS_CAP = {"INFO": "Minor", "WARNING": "Moderate", "SEVERE": "Severe", "UNKNOWN_SEVERITY": "Unknown"}


def _enum(message: Any, name: str, enum: Any) -> str | None:
    value = optional(message, name)
    return enum.Name(value) if value is not None and value in enum.values() else None


def translations(message: Any, name: str) -> dict[str, str] | None:
    if not message.HasField(name):
        return None
    out: dict[str, str] = {}
    for t in getattr(message, name).translation:
        if t.text:
            out.setdefault(t.language.strip() if t.HasField("language") else "", t.text)
    return out or None


def pick(texts: dict[str, str] | None, lang: str) -> str | None:
    if not texts:
        return None
    for tag, text in texts.items():
        if tag.lower().split("-")[0].split("_")[0] == lang:
            return text
    return texts.get("") or next(iter(texts.values()))


def _informed(selector: Any, where: str) -> dict[str, Any]:
    entity = {"agency_id": optional_text(selector, "agency_id"), "route_id": optional_text(selector, "route_id"),
              "route_type": optional(selector, "route_type"), "stop_id": optional_text(selector, "stop_id"),
              "direction_id": optional(selector, "direction_id"),
              "trip": trip_descriptor(selector.trip) if selector.HasField("trip") else None}
    if not any(v is not None for v in entity.values()):
        raise ParseError("an informed_entity that selects nothing", where)
    return entity


def describe_entity(e: dict[str, Any]) -> str:
    parts = []
    if e["trip"] and e["trip"]["trip_id"]:
        parts.append(f"trip {e['trip']['trip_id']}")
    if e["route_id"]:
        parts.append(f"route {e['route_id']}" + ("" if e["direction_id"] is None else f" direction {e['direction_id']}"))
    elif e["route_type"] is not None:
        parts.append(f"route type {e['route_type']}")
    if e["stop_id"]:
        parts.append(f"stop {e['stop_id']}")
    if not parts and e["agency_id"]:
        parts.append(f"agency {e['agency_id']}")
    return " at ".join(parts)


def _periods(alert: Any, where: str) -> list[dict[str, str | None]]:
    out = []
    for k, period in enumerate(alert.active_period):
        here = f"{where}.active_period[{k}]"
        start, end = optional(period, "start"), optional(period, "end")
        if start is not None and end is not None and end < start:
            raise ParseError(f"ends ({end}) before it starts ({start})", here)
        out.append({"start": iso(start, f"{here}.start"), "end": iso(end, f"{here}.end")})
    return out


def alert_event(entity: Any, where: str, source: str, sent: datetime) -> Event:
    alert = entity.alert
    where = f"{where}.alert"
    if not entity.id:
        raise ParseError("an alert entity without an id", where)
    header, description = translations(alert, "header_text"), translations(alert, "description_text")
    if not header and not description:
        raise ParseError("neither header_text nor description_text", where)
    informed = [_informed(s, f"{where}.informed_entity[{k}]") for k, s in enumerate(alert.informed_entity)]
    periods = _periods(alert, where)
    starts = [p["start"] for p in periods if p["start"]]
    ends = [p["end"] for p in periods]
    effect = _enum(alert, "effect", _ALERT.Effect)
    level = _enum(alert, "severity_level", _ALERT.SeverityLevel)
    payload: dict[str, Any] = {
        "identifier": f"{source}:{entity.id}", "standard": STANDARD, "sender": source,
        "sent": sent.isoformat(), "status": "Actual", "msg_type": "Alert",
        "version": hashlib.sha256(alert.SerializeToString(deterministic=True)).hexdigest()[:16],
        "cause": _enum(alert, "cause", _ALERT.Cause), "effect": effect, "severity_level": level,
        "severity": SEVERITY_AS_CAP.get(level) if level else None, "event": effect,
        "header_text": header, "description_text": description, "url": translations(alert, "url"),
        "cause_detail": translations(alert, "cause_detail"), "effect_detail": translations(alert, "effect_detail"),
        "informed_entities": informed, "active_periods": periods,
        "effective": min(starts) if starts else None,
        "expires": max(ends) if ends and all(ends) else None,
        "area_desc": "; ".join(d for d in (describe_entity(e) for e in informed) if d) or None,
        "geometry": None,
    }
    for lang in ("zh", "en"):
        payload[f"headline_{lang}"] = pick(header, lang) or pick(description, lang)
        payload[f"description_{lang}"] = pick(description, lang)
    payload["headline"] = payload["headline_en"]
    payload["description"] = pick(description, "en")
    return Event(source, ALERT, entity.id, sent, payload)


def ended_alert_event(entity_id: str, source: str, at: datetime) -> Event:
    """The alert left the feed (or was deleted): it is over."""
    return Event(source, ALERT, entity_id, at, {
        "identifier": f"{source}:{entity_id}", "standard": STANDARD, "sender": source, "sent": at.isoformat(),
        "status": "Actual", "msg_type": "Cancel", "ended": True})


__all__ = ["STANDARD", "alert_event", "ended_alert_event", "pick", "translations", "posix_time"]
