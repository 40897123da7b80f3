"""The audit log: append and read. There is deliberately no update or delete here, and the
database refuses them too (triggers in migration 0002)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, audit_chain, schema as t


# Longest text kept per field: whatever comes from outside (a user name typed at sign-in, a reason)
# is cut here, so no request can make the log grow by more than this per entry.
LIMITS = {"actor": 100, "actor_role": 32, "remote_addr": 64, "action": 64, "target_type": 32, "target_id": 100,
          "reason": 2000}
MAX_JSON = 20000   # characters of before/after kept; more is replaced by a note of its size


def _cut(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value)
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _json(value: Any) -> Any:
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > MAX_JSON:
        return {"truncated": True, "characters": len(text)}
    return json.loads(text)


def append(conn: Connection, *, at: datetime, actor: str, actor_role: str, action: str,
           remote_addr: str | None = None, target_type: str | None = None, target_id: Any = None,
           before: Any = None, after: Any = None, reason: str | None = None) -> int:
    """One entry, chained to the one before it (dashboard.store.audit_chain)."""
    values = {"at": as_utc(at), "actor": _cut(actor, LIMITS["actor"]) or "-",
              "actor_role": _cut(actor_role, LIMITS["actor_role"]) or "-",
              "remote_addr": _cut(remote_addr, LIMITS["remote_addr"]), "action": _cut(action, LIMITS["action"]),
              "target_type": _cut(target_type, LIMITS["target_type"]),
              "target_id": None if target_id is None else _cut(str(target_id), LIMITS["target_id"]),
              "before": _json(before), "after": _json(after), "reason": _cut(reason, LIMITS["reason"])}
    audit_chain.lock_head(conn)
    entry_id = conn.execute(t.audit_log.insert().values(**values)).inserted_primary_key[0]
    audit_chain.chain(conn, values | {"id": entry_id})
    return entry_id


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

