"""Users who must set their own password at their first sign-in (brought in by a city package's
users.csv with a temporary password), and the one-time tickets of the password page."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, schema_city as c

_t = c.password_change_due


def mark(conn: Connection, username: str, at: datetime, reason: str) -> None:
    conn.execute(sa.delete(_t).where(_t.c.username == username))
    conn.execute(_t.insert().values(username=username, since=at, reason=reason[:32]))


def is_due(conn: Connection, username: str) -> bool:
    return conn.execute(sa.select(_t.c.username).where(_t.c.username == username)).first() is not None


def set_ticket(conn: Connection, username: str, ticket_hash: str, expires: datetime) -> None:
    conn.execute(_t.update().where(_t.c.username == username).values(ticket_hash=ticket_hash, ticket_expires=expires))


def by_ticket(conn: Connection, ticket_hash: str) -> tuple[str, datetime] | None:
    r = conn.execute(sa.select(_t.c.username, _t.c.ticket_expires).where(_t.c.ticket_hash == ticket_hash)).first()
    return (r.username, as_utc(r.ticket_expires)) if r else None


def clear(conn: Connection, username: str) -> None:
    conn.execute(sa.delete(_t).where(_t.c.username == username))


def usernames(conn: Connection) -> set[str]:
    return {r.username for r in conn.execute(sa.select(_t.c.username))}
