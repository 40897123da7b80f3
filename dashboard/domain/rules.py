"""Threshold rules that turn events into incidents. Pure: the ingest service supplies the state."""
from __future__ import annotations

from datetime import datetime, timedelta

from typing import Callable

from .aqi import AqiResult
from .categories import Category
from .city import DEFAULT_RULE_CATEGORIES
from .events import Event
from .incidents import IncidentDraft

AQI_INCIDENT_ABOVE = 150
SEVERE_CAP = frozenset({"Severe", "Extreme"})
SLOW_RATIO = 0.30
SLOW_FOR = timedelta(minutes=10)


def case_report_draft(event: Event, district: str | None,
                      find: Callable[[str], Category | None] = lambda code: None,
                      other: str = DEFAULT_RULE_CATEGORIES["other"]) -> IncidentDraft:
    """A new Open311 request becomes a reported incident: in its category when the city has it in
    force (`find`), else in the city's "other" category."""
    p = event.payload
    code = str(p.get("service_code") or "")
    cat = find(code) or find(other)
    description = (p.get("description") or "").strip()
    name = cat.name_zh if cat else (p.get("service_name") or "其他问题")
    title = f"{name} · {p.get('address') or description[:40] or event.source_id}"
    return IncidentDraft(
        category=cat.code if cat else other, title=title, source=event.source, source_ref=event.source_id,
        priority=cat.default_priority if cat else 3, description=description, lat=event.lat, lon=event.lon,
        district=district, address=p.get("address"), reported_at=event.observed_at,
        reporter_name=p.get("reporter_name"), reporter_phone=p.get("reporter_phone"),
        details={"service_code": code, "service_name": p.get("service_name"), "media_url": p.get("media_url")},
    )


def air_exceedance_draft(station_id: str, station_name: str, result: AqiResult, lon: float, lat: float,
                         district: str | None, at: datetime,
                         category: str = DEFAULT_RULE_CATEGORIES["air_exceedance"]) -> IncidentDraft | None:
    if result.aqi is None or result.aqi <= AQI_INCIDENT_ABOVE:
        return None
    primary = "、".join(p.upper() for p in result.primary) or "-"
    return IncidentDraft(
        category=category, priority=2, source="rules",
        source_ref=f"aqi:{station_id}:{at.isoformat()}",
        title=f"空气质量超标 · {station_name} AQI {result.aqi}",
        description=f"AQI {result.aqi}, primary pollutant {primary}", lat=lat, lon=lon, district=district,
        reported_at=at, details={"station_id": station_id, "aqi": result.aqi, "primary": list(result.primary)},
    )


def alert_draft(event: Event, district: str | None,
                category: str = DEFAULT_RULE_CATEGORIES["severe_weather"]) -> IncidentDraft | None:
    p = event.payload
    if p.get("severity") not in SEVERE_CAP or p.get("msg_type", "Alert") != "Alert" or p.get("status", "Actual") != "Actual":
        return None
    headline = p.get("headline_zh") or p.get("headline") or p.get("event") or event.source_id
    return IncidentDraft(
        category=category, priority=1, source="rules", source_ref=f"alert:{event.source_id}",
        title=f"{headline}", description=p.get("description") or "", lat=event.lat, lon=event.lon,
        district=district, address=p.get("area_desc"), reported_at=event.observed_at,
        details={"identifier": p.get("identifier"), "severity": p.get("severity"), "event": p.get("event")},
    )


def track_slow(speed_kmh: float | None, free_flow_kmh: float, slow_since: datetime | None,
               observed_at: datetime) -> tuple[datetime | None, bool]:
    """(new slow_since, whether the segment has now been slow long enough for an incident)."""
    if speed_kmh is None or free_flow_kmh <= 0:
        return slow_since, False
    if speed_kmh >= SLOW_RATIO * free_flow_kmh:
        return None, False
    since = slow_since or observed_at
    return since, observed_at - since >= SLOW_FOR


def congestion_draft(segment_id: str, segment_name: str, speed_kmh: float, free_flow_kmh: float,
                     lon: float, lat: float, district: str | None, since: datetime, at: datetime,
                     category: str = DEFAULT_RULE_CATEGORIES["congestion"]) -> IncidentDraft:
    minutes = int((at - since).total_seconds() // 60)
    return IncidentDraft(
        category=category, priority=2, source="rules",
        source_ref=f"congestion:{segment_id}:{since.isoformat()}",
        title=f"严重拥堵 · {segment_name}",
        description=f"{speed_kmh:.0f} km/h against free flow {free_flow_kmh:.0f} km/h for {minutes} min",
        lat=lat, lon=lon, district=district, reported_at=at,
        details={"segment_id": segment_id, "speed_kmh": speed_kmh, "free_flow_kmh": free_flow_kmh},
    )
