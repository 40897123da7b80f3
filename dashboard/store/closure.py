"""How incidents were closed over a window: counts, how many by their deadline, mean time to close.
Aggregated in the database (one round trip), so the figures stay cheap however many were closed."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import workflow

from . import schema as t


def _seconds_to_close(conn: Connection):
    i = t.incidents.c
    if conn.dialect.name == "sqlite":   # timestamps are ISO text there
        return (sa.func.julianday(i.closed_at) - sa.func.julianday(i.created_at)) * 86400.0
    return sa.func.extract("epoch", i.closed_at - i.created_at)


def closure_counts(conn: Connection, since: datetime) -> dict:
    """Incidents closed since `since` (and still closed): {closed, with_deadline, on_time, avg_seconds}."""
    i = t.incidents.c
    row = conn.execute(sa.select(
        sa.func.count().label("closed"),
        sa.func.count().filter(i.deadline.is_not(None)).label("with_deadline"),
        sa.func.count().filter(i.closed_at <= i.deadline).label("on_time"),
        sa.func.avg(_seconds_to_close(conn)).label("avg_seconds"),
    ).where(i.status == workflow.CLOSED, i.closed_at >= since)).one()
    return dict(row._mapping)


def created_since(conn: Connection, since: datetime) -> list[datetime]:
    """When each incident created since `since` was created (for per-hour counts)."""
    from . import as_utc
    i = t.incidents.c
    return [as_utc(r[0]) for r in conn.execute(sa.select(i.created_at).where(i.created_at >= since))]
