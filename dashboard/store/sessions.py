"""Server-side sessions (dashboard.store.schema_security.sessions): create, read, touch, revoke."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema_security as t


def create(conn: Connection, id_hash: str, username: str, role: str, csrf: str, at: datetime,
           expires_at: datetime, remote_addr: str | None) -> None:
    conn.execute(t.sessions.insert().values(
        id_hash=id_hash, username=username, role=role, csrf=csrf, created_at=at, seen_at=at,
        expires_at=expires_at, remote_addr=(remote_addr or "")[:64] or None))


def get(conn: Connection, id_hash: str) -> dict | None:
    r = conn.execute(sa.select(t.sessions).where(t.sessions.c.id_hash == id_hash)).first()
    return dict(r._mapping) if r else None


def touch(conn: Connection, id_hash: str, at: datetime) -> None:
    conn.execute(t.sessions.update().where(t.sessions.c.id_hash == id_hash).values(seen_at=at))


def revoke(conn: Connection, id_hash: str, at: datetime, reason: str) -> int:
    s = t.sessions.c
    return conn.execute(t.sessions.update().where(s.id_hash == id_hash, s.revoked_at.is_(None))
                        .values(revoked_at=at, revoked_reason=reason)).rowcount


def revoke_user(conn: Connection, username: str, at: datetime, reason: str) -> int:
    """End every open session of a user (disabled, password reset, role changed)."""
    s = t.sessions.c
    return conn.execute(t.sessions.update().where(s.username == username, s.revoked_at.is_(None))
                        .values(revoked_at=at, revoked_reason=reason)).rowcount


def prune(conn: Connection, before: datetime) -> int:
    """Forget sessions that ended (expired or revoked) before `before`."""
    s = t.sessions.c
    return conn.execute(t.sessions.delete().where(
        sa.or_(s.expires_at < before, s.revoked_at < before))).rowcount
