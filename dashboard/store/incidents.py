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


def open_incidents(conn: Connection, limit: int = 5000, department_scope: str | None = None) -> list[dict]:
    i = t.incidents.c
    q = (sa.select(t.incidents).where(i.status.in_(workflow.OPEN_STATUSES), scope_clause(department_scope))
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


def recent(conn: Connection, limit: int = 20, department_scope: str | None = None) -> list[dict]:
    i = t.incidents.c
    q = sa.select(t.incidents).where(scope_clause(department_scope)).order_by(i.id.desc()).limit(limit)
    return [_incident(r) for r in conn.execute(q)]


class VersionMismatch(Exception):
    """The incident changed since the version the person acted on."""


def update(conn: Connection, incident_id: int, expected_version: int, values: dict) -> int:
    """Write new values if the incident is still at `expected_version`; returns the new version."""
    i = t.incidents.c
    result = conn.execute(t.incidents.update()
                          .where(i.id == incident_id, i.version == expected_version)
                          .values(version=expected_version + 1, **values))
    if result.rowcount != 1:
        raise VersionMismatch(incident_id)
    return expected_version + 1


def add_history(conn: Connection, incident_id: int, version: int, action: str, from_status: str | None,
                to_status: str, actor: str, actor_role: str, at: datetime, reason: str | None,
                details: dict) -> None:
    conn.execute(t.incident_history.insert().values(
        incident_id=incident_id, version=version, action=action, from_status=from_status, to_status=to_status,
        actor=actor, actor_role=actor_role, at=at, reason=reason, details=details))


def history_since(conn: Connection, incident_id: int, version: int) -> list[dict]:
    h = t.incident_history.c
    rows = conn.execute(sa.select(t.incident_history)
                        .where(h.incident_id == incident_id, h.version > version).order_by(h.version))
    return [dict(r._mapping) | {"at": as_utc(r.at)} for r in rows]


def open_near(conn: Connection, category: str, lat: float, lon: float, dlat: float, dlon: float,
              exclude_id: int | None = None, limit: int = 20) -> list[dict]:
    """Open incidents of a category inside a small box (the first cut of duplicate detection)."""
    i = t.incidents.c
    q = (sa.select(t.incidents).where(
        i.category == category, i.status.in_(workflow.OPEN_STATUSES),
        i.lat.between(lat - dlat, lat + dlat), i.lon.between(lon - dlon, lon + dlon)).limit(limit))
    if exclude_id is not None:
        q = q.where(i.id != exclude_id)
    return [_incident(r) for r in conn.execute(q)]


def naming_duplicates(conn: Connection, statuses: list[str], categories: list[str], since: datetime,
                      department_scope: str | None = None) -> list[dict]:
    """id, code, category, details of incidents in `statuses` and `categories`, created since `since`,
    whose details name likely duplicates (the newer report of a pair names the older): one query."""
    i = t.incidents.c
    q = sa.select(i.id, i.code, i.category, i.details).where(
        scope_clause(department_scope), i.status.in_(statuses), i.category.in_(categories), i.created_at >= since,
        sa.cast(i.details, sa.Text).like("%likely_duplicates%")).order_by(i.id)   # stable marks: no needless row updates
    return [dict(r._mapping) for r in conn.execute(q)]


def scope_clause(department: str | None):
    """The one place department scoping is applied: operators see only their department's incidents."""
    return sa.true() if department is None else t.incidents.c.department == department


def search(conn: Connection, *, department_scope: str | None = None, statuses: list[str] | None = None,
           categories: list[str] | None = None, districts: list[str] | None = None,
           departments: list[str] | None = None, priorities: list[int] | None = None,
           sources: list[str] | None = None, overdue_at: datetime | None = None, text: str | None = None,
           supervised: bool | None = None,
           limit: int = 500, offset: int = 0, order: str = "-created_at") -> tuple[list[dict], int]:
    i = t.incidents.c
    where = [scope_clause(department_scope)]
    for column, values in ((i.status, statuses), (i.category, categories), (i.district, districts),
                           (i.department, departments), (i.priority, priorities), (i.source, sources)):
        if values:
            where.append(column.in_(values))
    if overdue_at is not None:
        where += [i.deadline < overdue_at, i.status.in_(workflow.OPEN_STATUSES)]
    if supervised:
        where.append(i.supervised.is_(True))
    if text:
        like = f"%{text}%"
        where.append(sa.or_(i.title.ilike(like), i.code.ilike(like), i.address.ilike(like)))
    if order == "urgent":   # the work queue: most urgent first, then the one waiting longest
        ordering = (i.priority.asc(), i.reported_at.asc(), i.id.asc())
    else:
        column = getattr(i, order.lstrip("-"), i.created_at)
        ordering = (column.desc() if order.startswith("-") else column.asc(), i.id.desc())
    q = sa.select(t.incidents).where(*where).order_by(*ordering).limit(limit).offset(offset)
    total = conn.execute(sa.select(sa.func.count()).select_from(t.incidents).where(*where)).scalar_one()
    return [_incident(r) for r in conn.execute(q)], total
