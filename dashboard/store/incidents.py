"""Incidents and their history (the data-access side; rules about them live in services)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import workflow
from dashboard.domain.incidents import IncidentDraft

from . import as_utc, schema as t

_TS_COLUMNS = ("deadline", "reported_at", "created_at", "updated_at", "closed_at")


def _incident(r) -> dict:
    d = dict(r._mapping)
    for k in _TS_COLUMNS:
        d[k] = as_utc(d[k])
    return d


def find_by_source(conn: Connection, source: str, source_ref: str) -> dict | None:
    i = t.incidents.c
    r = conn.execute(sa.select(t.incidents).where(i.source == source, i.source_ref == source_ref)).first()
    return _incident(r) if r else None


def open_by_dedupe_key(conn: Connection, key: str) -> dict | None:
    i = t.incidents.c
    r = conn.execute(sa.select(t.incidents).where(i.dedupe_key == key, i.status.in_(workflow.OPEN_STATUSES))
                     .limit(1)).first()
    return _incident(r) if r else None


def create(conn: Connection, draft: IncidentDraft, status: str, actor: str, actor_role: str,
           at: datetime, dedupe_key: str | None = None) -> dict:
    """Insert an incident and the first entry of its history, in the caller's transaction."""
    values = {
        "category": draft.category, "priority": draft.priority, "title": draft.title[:300],
        "description": draft.description or "", "status": status, "version": 1,
        "district": draft.district, "lat": draft.lat, "lon": draft.lon, "address": draft.address,
        "source": draft.source, "source_ref": draft.source_ref, "dedupe_key": dedupe_key,
        "reporter_name": draft.reporter_name, "reporter_phone": draft.reporter_phone,
        "reported_at": draft.reported_at or at, "created_at": at, "updated_at": at,
        "rework_count": 0, "supervised": False, "details": draft.details,
    }
    incident_id = conn.execute(t.incidents.insert().values(**values)).inserted_primary_key[0]
    code = f"{at.strftime('%Y%m%d')}{incident_id:06d}"
    conn.execute(t.incidents.update().where(t.incidents.c.id == incident_id).values(code=code))
    conn.execute(t.incident_history.insert().values(
        incident_id=incident_id, version=1, action="report", from_status=None, to_status=status,
        actor=actor, actor_role=actor_role, at=at, reason=None,
        details={"source": draft.source, "source_ref": draft.source_ref}))
    return values | {"id": incident_id, "code": code}


def get(conn: Connection, incident_id: int) -> dict | None:
    r = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).first()
    return _incident(r) if r else None


def history(conn: Connection, incident_id: int) -> list[dict]:
    h = t.incident_history.c
    rows = conn.execute(sa.select(t.incident_history).where(h.incident_id == incident_id).order_by(h.version))
    return [dict(r._mapping) | {"at": as_utc(r.at)} for r in rows]


def open_incidents(conn: Connection, limit: int = 5000) -> list[dict]:
    i = t.incidents.c
    q = (sa.select(t.incidents).where(i.status.in_(workflow.OPEN_STATUSES))
         .order_by(i.created_at.desc()).limit(limit))
    return [_incident(r) for r in conn.execute(q)]


def figures(conn: Connection, day_start: datetime, now: datetime) -> dict:
    """Counts for the key figures, in one round trip."""
    i = t.incidents.c
    open_ = i.status.in_(workflow.OPEN_STATUSES)
    row = conn.execute(sa.select(
        sa.func.count().filter(open_).label("open_incidents"),
        sa.func.count().filter(i.created_at >= day_start).label("new_today"),
        sa.func.count().filter(open_, i.deadline < now).label("overdue"),
        sa.func.count().filter(i.status == workflow.CLOSED, i.closed_at >= day_start).label("closed_today"),
    ).select_from(t.incidents)).one()
    return dict(row._mapping)


def recent(conn: Connection, limit: int = 20) -> list[dict]:
    i = t.incidents.c
    return [_incident(r) for r in conn.execute(sa.select(t.incidents).order_by(i.id.desc()).limit(limit))]
