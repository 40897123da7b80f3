"""Replay: the operations picture as it was at a moment, rebuilt from the stored history, so a meeting
can walk through last night's storm.

- incidents: those created by then and not closed for good before it, each with the status of its
  last history entry at or before the moment (department, place and deadline are today's values);
- congestion: each segment's newest speed reading in the quarter hour before the moment;
- air: each station's newest reading of each pollutant in the two hours before, made into an AQI;
- alerts: those sent by then and not yet expired (cancellations are not replayed).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dashboard.domain import aqi, congestion, workflow
from dashboard.domain.identity import Identity
from dashboard.store import as_utc, rollup_reads, schema as t

from . import features
from .container import Services
from .evaluation import ReviewQuery, periods, scope_of

SEGMENT_WINDOW = timedelta(minutes=15)
AIR_WINDOW = timedelta(hours=2)
MAX_INCIDENTS = 3000


def _utc(dt: datetime) -> datetime:
    return as_utc(dt)


def incidents_at(conn, at: datetime, department_scope: str | None = None, limit: int = MAX_INCIDENTS) -> list[dict]:
    i, h = t.incidents.c, t.incident_history.c
    at = _utc(at)
    last = (sa.select(h.incident_id, sa.func.max(h.version).label("v"))
            .where(h.at <= at).group_by(h.incident_id).subquery())
    scope = sa.true() if department_scope is None else i.department == department_scope
    q = (sa.select(i.id, i.code, i.category, i.priority, i.title, i.district, i.department, i.deadline, i.lat,
                   i.lon, i.created_at, h.to_status.label("status"))
         .select_from(t.incidents.join(last, last.c.incident_id == i.id)
                      .join(t.incident_history, sa.and_(h.incident_id == i.id, h.version == last.c.v)))
         .where(i.created_at <= at, sa.or_(i.closed_at.is_(None), i.closed_at > at), scope,
                h.to_status.in_(workflow.OPEN_STATUSES))
         .order_by(i.id.desc()).limit(limit))
    rows = []
    for r in conn.execute(q):
        d = dict(r._mapping)
        d["deadline"], d["created_at"] = as_utc(d["deadline"]), as_utc(d["created_at"])
        rows.append(d)
    return rows


def segments_at(conn, at: datetime) -> dict[str, float | None]:
    """{segment id: speed} from the newest reading in the window before `at`: the 5-minute roll-ups up to
    their watermark (dashboard.store.rollup_reads; the raw readings are pruned after the retention window),
    the raw readings after it."""
    e = t.events.c
    at = _utc(at)
    through = rollup_reads.rolled_through(conn)
    if through is not None and at <= through:
        return rollup_reads.segments_at(conn, at, SEGMENT_WINDOW)
    q = (sa.select(e.payload["segment_id"].as_string(), e.payload["speed_kmh"].as_float(), e.observed_at)
         .where(e.kind == "segment_speed", e.observed_at > at - SEGMENT_WINDOW, e.observed_at <= at)
         .order_by(e.observed_at))
    return {sid: speed for sid, speed, _ in conn.execute(q) if sid}


def stations_at(conn, at: datetime) -> dict[str, dict[str, float]]:
    """{station: {pollutant: concentration}}: the newest hourly mean before `at` from the roll-ups up to their
    watermark; the newest raw reading in the window after it."""
    e = t.events.c
    at = _utc(at)
    through = rollup_reads.rolled_through(conn)
    if through is not None and at <= through:
        return rollup_reads.stations_at(conn, at, AIR_WINDOW)
    q = (sa.select(e.payload["station_id"].as_string(), e.payload["pollutant"].as_string(),
                   e.payload["value"].as_float())
         .where(e.kind == "air_reading", e.observed_at > at - AIR_WINDOW, e.observed_at <= at)
         .order_by(e.observed_at))
    out: dict[str, dict[str, float]] = {}
    for sid, pollutant, value in conn.execute(q):
        if sid and pollutant in aqi.POLLUTANTS and value is not None:
            out.setdefault(sid, {})[pollutant] = value
    return out


def alerts_at(conn, at: datetime) -> list[dict]:
    a = t.alerts.c
    at = _utc(at)
    q = (sa.select(t.alerts).where(a.sent <= at, sa.or_(a.expires.is_(None), a.expires > at))
         .order_by(a.sent.desc()).limit(200))
    return [{k: (as_utc(v) if isinstance(v, datetime) else v) for k, v in r._mapping.items()} for r in conn.execute(q)]


def picture_at(services: Services, identity: Identity, at: datetime) -> dict[str, Any]:
    """Map layers and counts of the operations picture at `at` (same shapes as the live picture)."""
    scope = scope_of(identity)
    with services.store.read() as conn:
        incidents = incidents_at(conn, at, scope)
        speeds = segments_at(conn, at)
        readings = stations_at(conn, at)
        alerts = alerts_at(conn, at)
    segs = []
    levels: dict[str, int] = {}
    for s in services.city.segments:
        speed = speeds.get(s.id)
        ci = congestion.congestion_index(speed, s.free_flow_kmh)
        level = congestion.congestion_level(ci)
        if level:
            levels[level] = levels.get(level, 0) + 1
        segs.append({"type": "Feature", "geometry": s.geometry, "properties": {
            "name_zh": s.name_zh, "name_en": s.name_en, "free_flow_kmh": s.free_flow_kmh,
            **features.segment_item(s.id, {"speed_kmh": speed, "ci": ci, "level": level})}})
    stations = []
    aqis = []
    for st in services.city.stations:
        result = aqi.compute(readings.get(st.id, {}), services.settings.aqi_standard)
        if result.aqi is not None:
            aqis.append(result.aqi)
        stations.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [st.lon, st.lat]},
                         "properties": {"name_zh": st.name_zh, "name_en": st.name_en, **features.station_item(
                             st.id, {"aqi": result.aqi, "level": result.level,
                                     "primary_pollutants": list(result.primary), "observed_at": at})}})
    by_status: dict[str, int] = {}
    for r in incidents:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    at_utc = _utc(at)
    return {
        "at": at_utc.isoformat(),
        "incidents": {"type": "FeatureCollection", "features": [
            f for f in (features.incident_feature(r, at_utc, services.city) for r in incidents) if f["geometry"]]},
        "segments": {"type": "FeatureCollection", "features": segs},
        "stations": {"type": "FeatureCollection", "features": stations},
        "alerts": {"type": "FeatureCollection",
                   "features": [features.alert_feature(a) for a in alerts if a.get("geometry")]},
        "counts": {"open": len(incidents), "by_status": by_status,
                   "overdue": sum(1 for r in incidents if r["deadline"] and r["deadline"] < at_utc),
                   "congestion": levels, "max_aqi": max(aqis) if aqis else None, "alerts": len(alerts)},
    }


def steps(services: Services, query: ReviewQuery, now: datetime, hours: int | None = None) -> list[str]:
    """The moments the replay slider offers: every `hours` (hourly up to a month) through the period, up to now."""
    current, _ = periods(services, query, now)
    hours = hours or -(-current.days * 24 // 744)
    moments = []
    at = current.start
    end = min(current.end, now)
    step = timedelta(hours=max(1, hours))
    while at <= end and len(moments) < 24 * 62:
        moments.append(_utc(at).isoformat())
        at += step
    return moments
