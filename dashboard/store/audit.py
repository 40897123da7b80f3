"""The audit log: append and read. There is deliberately no update or delete here, and the
database refuses them too (triggers in migration 0002)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, schema as t


def append(conn: Connection, *, at: datetime, actor: str, actor_role: str, action: str,
           remote_addr: str | None = None, target_type: str | None = None, target_id: Any = None,
           before: Any = None, after: Any = None, reason: str | None = None) -> int:
    return conn.execute(t.audit_log.insert().values(
        at=at, actor=actor, actor_role=actor_role, remote_addr=remote_addr, action=action,
        target_type=target_type, target_id=None if target_id is None else str(target_id),
        before=before, after=after, reason=reason)).inserted_primary_key[0]


def _filtered(q, *, actor: str | None = None, action: str | None = None, target_type: str | None = None,
              target_id: str | None = None, since: datetime | None = None, until: datetime | None = None):
    a = t.audit_log.c
    for column, value in ((a.actor, actor), (a.action, action), (a.target_type, target_type),
                          (a.target_id, target_id)):
        if value:
            q = q.where(column == value)
    if since:
        q = q.where(a.at >= since)
    if until:
        q = q.where(a.at < until)
    return q


def query(conn: Connection, *, actor: str | None = None, action: str | None = None,
          target_type: str | None = None, target_id: str | None = None, since: datetime | None = None,
          until: datetime | None = None, limit: int = 200, offset: int = 0) -> list[dict]:
    """Newest first."""
    q = sa.select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit).offset(offset)
    q = _filtered(q, actor=actor, action=action, target_type=target_type, target_id=target_id,
                  since=since, until=until)
    return [dict(r._mapping) | {"at": as_utc(r.at)} for r in conn.execute(q)]


def count(conn: Connection, **filters: Any) -> int:
    """How many entries `query` would page through with the same filters."""
    return conn.execute(_filtered(sa.select(sa.func.count()).select_from(t.audit_log), **filters)).scalar_one()

