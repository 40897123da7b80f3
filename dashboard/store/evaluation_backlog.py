"""Open incidents overdue since before the period (the backlog): a case 51 days overdue has its deadline
in no running period, yet it is the one a review meeting must see. Counted from incident_facts and the
incidents' current status, whatever the period."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import workflow

from . import as_utc, schema as t
from .evaluation import _utc, filters_clause


def open_overdue(conn: Connection, before: datetime, now: datetime, filters=None, department_scope=None,
                 limit: int = 15) -> tuple[list[dict], int]:
    """Incidents still open (not closed, rejected or merged) whose deadline passed before `before`
    (the period's start), the longest overdue first, and how many there are."""
    f, i = t.incident_facts.c, t.incidents.c
    where = sa.and_(f.deadline < _utc(before), f.closed_at.is_(None), f.suspended.is_(False),
                    i.status.in_(sorted(workflow.OPEN_STATUSES)), filters_clause(filters, department_scope))
    joined = t.incident_facts.join(t.incidents, i.id == f.incident_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(where)).scalar_one()
    q = (sa.select(i.id, i.code, i.title, i.status, i.priority, f.department, f.category, f.district,
                   f.deadline, f.closed_at, f.created_at, f.supervised)
         .select_from(joined).where(where).order_by(f.deadline.asc(), f.incident_id).limit(limit))
    now = _utc(now)
    rows = []
    for r in conn.execute(q):
        d = dict(r._mapping)
        for k in ("deadline", "closed_at", "created_at"):
            d[k] = as_utc(d[k])
        d["overdue_seconds"] = max(0.0, (now - d["deadline"]).total_seconds())
        d["backlog"] = True
        rows.append(d)
    return rows, total
