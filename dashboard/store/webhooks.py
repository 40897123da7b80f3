"""Webhooks and their delivery queue (data access; the rules are in domain/services webhooks)."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, schema as t
from .feeds import _insert

PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"
_TS = ("created_at", "deleted_at", "next_attempt_at", "locked_until", "delivered_at")


def _row(r) -> dict:
    d = dict(r._mapping)
    for k in _TS:
        if k in d:
            d[k] = as_utc(d[k])
    return d


def add(conn: Connection, name: str, url: str, secret: str, events: list[str], filters: dict,
        created_by: str, at: datetime) -> int:
    return conn.execute(t.webhooks.insert().values(
        name=name, url=url, secret=secret, events=events, filters=filters, created_by=created_by,
        created_at=at)).inserted_primary_key[0]


def get(conn: Connection, webhook_id: int) -> dict | None:
    w = t.webhooks.c
    r = conn.execute(sa.select(t.webhooks).where(w.id == webhook_id, w.deleted_at.is_(None))).first()
    return _row(r) if r else None


def active(conn: Connection) -> list[dict]:
    w = t.webhooks.c
    return [_row(r) for r in conn.execute(sa.select(t.webhooks).where(w.deleted_at.is_(None)).order_by(w.id))]


def delete(conn: Connection, webhook_id: int, at: datetime) -> bool:
    """Soft delete: the webhook stops, its delivery history stays readable in the store."""
    w, d = t.webhooks.c, t.webhook_deliveries.c
    done = conn.execute(t.webhooks.update().where(w.id == webhook_id, w.deleted_at.is_(None))
                        .values(deleted_at=at)).rowcount > 0
    if done:
        conn.execute(t.webhook_deliveries.update().where(d.webhook_id == webhook_id, d.status == PENDING)
                     .values(status=CANCELLED))
    return done


def enqueue(conn: Connection, webhook_id: int, event: str, event_key: str, payload: dict, at: datetime) -> bool:
    """Queue one delivery; False when this webhook has this event already (another process queued it)."""
    stmt = _insert(conn, t.webhook_deliveries).values(
        webhook_id=webhook_id, event=event, event_key=event_key, payload=payload, status=PENDING, attempts=0,
        next_attempt_at=at, log=[], created_at=at)
    stmt = stmt.on_conflict_do_nothing(index_elements=["webhook_id", "event_key"]).returning(t.webhook_deliveries.c.id)
    return conn.execute(stmt).first() is not None


def claim_due(conn: Connection, now: datetime, lease: timedelta, limit: int = 20) -> list[dict]:
    """Pending deliveries whose time has come and that no live worker holds; each is leased to the
    caller (a conditional update, so two workers never send the same one at once)."""
    d = t.webhook_deliveries.c
    free = sa.or_(d.locked_until.is_(None), d.locked_until < now)
    ids = [r.id for r in conn.execute(sa.select(d.id).where(d.status == PENDING, d.next_attempt_at <= now, free)
                                      .order_by(d.next_attempt_at, d.id).limit(limit))]
    claimed = []
    for delivery_id in ids:
        if conn.execute(t.webhook_deliveries.update().where(d.id == delivery_id, d.status == PENDING, free)
                        .values(locked_until=now + lease)).rowcount:
            claimed.append(delivery_id)
    if not claimed:
        return []
    q = (sa.select(t.webhook_deliveries, t.webhooks.c.url, t.webhooks.c.secret)
         .join(t.webhooks, t.webhooks.c.id == d.webhook_id).where(d.id.in_(claimed)).order_by(d.id))
    return [_row(r) for r in conn.execute(q)]


def record_attempt(conn: Connection, delivery_id: int, *, status: str, attempts: int, next_attempt_at: datetime,
                   status_code: int | None, error: str | None, entry: dict, at: datetime) -> None:
    d = t.webhook_deliveries.c
    log = conn.execute(sa.select(d.log).where(d.id == delivery_id)).scalar_one()
    conn.execute(t.webhook_deliveries.update().where(d.id == delivery_id).values(
        status=status, attempts=attempts, next_attempt_at=next_attempt_at, locked_until=None,
        last_status_code=status_code, last_error=error, log=(list(log or []) + [entry])[-20:],
        delivered_at=at if status == DELIVERED else None))


def deliveries(conn: Connection, webhook_id: int, limit: int = 100, offset: int = 0,
               status: str | None = None) -> tuple[list[dict], int]:
    d = t.webhook_deliveries.c
    where = [d.webhook_id == webhook_id] + ([d.status == status] if status else [])
    total = conn.execute(sa.select(sa.func.count()).select_from(t.webhook_deliveries).where(*where)).scalar_one()
    rows = conn.execute(sa.select(t.webhook_deliveries).where(*where).order_by(d.id.desc())
                        .limit(limit).offset(offset))
    return [_row(r) for r in rows], total
