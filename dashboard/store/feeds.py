"""Feed records: events (idempotent), dead letters, checkpoints, feed health."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dashboard.domain.events import Event

from . import as_utc, schema as t


def _insert(conn: Connection, table: sa.Table):
    return (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))


def insert_events(conn: Connection, events: Iterable[Event], received_at: datetime) -> list[Event]:
    """Store events; return those that were new. Replays and duplicates are ignored."""
    batch = {}
    for e in events:
        batch.setdefault((e.kind, e.source_id, e.updated_at), e)   # duplicates inside one batch
    if not batch:
        return []
    rows = [{"source": e.source, "kind": e.kind, "source_id": e.source_id, "observed_at": e.observed_at,
             "updated_at": e.updated_at, "received_at": received_at, "lat": e.lat, "lon": e.lon,
             "payload": e.payload} for e in batch.values()]
    stmt = (_insert(conn, t.events).on_conflict_do_nothing()
            .returning(t.events.c.kind, t.events.c.source_id, t.events.c.updated_at))
    inserted = {(r.kind, r.source_id, as_utc(r.updated_at)) for r in conn.execute(stmt, rows)}
    return [e for key, e in batch.items() if key in inserted]


def add_dead_letter(conn: Connection, connector: str, raw: str | bytes, reason: str, at: datetime) -> int:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return conn.execute(t.dead_letters.insert().values(
        connector=connector, raw=raw, reason=reason, received_at=at)).inserted_primary_key[0]


def dead_letters(conn: Connection, connector: str | None = None, limit: int = 100,
                 raw_chars: int | None = None) -> list[dict]:
    """Newest first. With `raw_chars`, "raw" holds only its first characters and "raw_length" the
    full length (a list need not load every payload whole)."""
    d = t.dead_letters.c
    columns = [t.dead_letters] if raw_chars is None else [
        d.id, d.connector, d.received_at, d.reason, sa.func.substr(d.raw, 1, raw_chars).label("raw"),
        sa.func.length(d.raw).label("raw_length")]
    q = sa.select(*columns).order_by(d.id.desc()).limit(limit)
    if connector:
        q = q.where(t.dead_letters.c.connector == connector)
    return [dict(r._mapping) | {"received_at": as_utc(r.received_at)} for r in conn.execute(q)]


def dead_letter(conn: Connection, dead_letter_id: int) -> dict | None:
    row = conn.execute(sa.select(t.dead_letters).where(t.dead_letters.c.id == dead_letter_id)).first()
    return dict(row._mapping) | {"received_at": as_utc(row.received_at)} if row else None


def load_checkpoint(conn: Connection, connector: str) -> str | None:
    return conn.execute(sa.select(t.checkpoints.c.value).where(t.checkpoints.c.connector == connector)).scalar()


def save_checkpoint(conn: Connection, connector: str, value: str, at: datetime) -> None:
    stmt = _insert(conn, t.checkpoints).values(connector=connector, value=value, updated_at=at)
    conn.execute(stmt.on_conflict_do_update(index_elements=["connector"],
                                            set_={"value": value, "updated_at": at}))


def record_health(conn: Connection, connector: str, ok: bool, detail: str, at: datetime,
                  events: int = 0, dead: int = 0) -> None:
    h = t.feed_health.c
    values = {"connector": connector, "ok": ok, "detail": detail, "updated_at": at,
              "last_success": at if ok else None, "last_failure": None if ok else at,
              "consecutive_failures": 0 if ok else 1, "events_total": events, "dead_letters_total": dead}
    update = {"ok": ok, "detail": detail, "updated_at": at,
              "events_total": h.events_total + events, "dead_letters_total": h.dead_letters_total + dead}
    if ok:
        update |= {"last_success": at, "consecutive_failures": 0}
    else:
        update |= {"last_failure": at, "consecutive_failures": h.consecutive_failures + 1}
    stmt = _insert(conn, t.feed_health).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["connector"], set_=update))


def count_dead_letters(conn: Connection, connector: str | None = None) -> int:
    q = sa.select(sa.func.count()).select_from(t.dead_letters)
    if connector:
        q = q.where(t.dead_letters.c.connector == connector)
    return conn.execute(q).scalar_one()


def feed_health(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(t.feed_health).order_by(t.feed_health.c.connector))
    return [dict(r._mapping) | {k: as_utc(getattr(r, k)) for k in ("last_success", "last_failure", "updated_at")}
            for r in rows]


def bump_dead_letters(conn: Connection, connector: str, at: datetime) -> None:
    h = t.feed_health.c
    stmt = _insert(conn, t.feed_health).values(
        connector=connector, ok=True, detail="", updated_at=at, consecutive_failures=0,
        events_total=0, dead_letters_total=1)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["connector"], set_={"dead_letters_total": h.dead_letters_total + 1}))
