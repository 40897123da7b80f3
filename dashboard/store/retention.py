"""Pruning what is past its retention, in small transactions so that ingest never waits long.

PostgreSQL: the raw readings live in day partitions of `events` (migration 0009); a day wholly before the
cut is dropped as a partition (with a short lock timeout: when ingest holds the table, the next round
tries again), what sits in the default partition is deleted in batches. Day partitions are made a few
days ahead. SQLite: batched DELETEs, then `PRAGMA incremental_vacuum` hands the freed pages back to the
file system (the store is created with auto_vacuum=INCREMENTAL; `cityops db upgrade` converts an older
file once)."""
from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import workflow

from . import Store, schema as t, schema_retention as rt

log = logging.getLogger(__name__)

READING_KINDS = ("segment_speed", "air_reading", "vehicle_position")
DAYS_AHEAD = 3
PAUSE = 0.02   # seconds between two batches: writers waiting for the lock (ingest) go first
PARTITION = re.compile(r"^events_rd_(\d{8})$")


def day_cut(now: datetime, days: int) -> datetime:
    """The start (UTC midnight) of the oldest day kept when `days` whole days are kept before today."""
    today = now.astimezone(timezone.utc).date()
    return datetime.combine(today - timedelta(days=days), datetime.min.time(), timezone.utc)


def ensure_partitions(store: Store, today: date, ahead: int = DAYS_AHEAD) -> list[str]:
    """PostgreSQL: the day partitions of today and the next days (no-op elsewhere)."""
    if store.dialect != "postgresql":
        return []
    made = []
    with store.connect() as conn:
        existing = set(day_partitions(conn))
    for n in range(ahead + 1):
        day = today + timedelta(days=n)
        if day in existing:
            continue
        nxt = day + timedelta(days=1)
        try:
            with store.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                conn.exec_driver_sql(
                    f"CREATE TABLE IF NOT EXISTS events_rd_{day:%Y%m%d} PARTITION OF events_readings "
                    f"FOR VALUES FROM ('{day.isoformat()} 00:00:00+00') TO ('{nxt.isoformat()} 00:00:00+00')")
            made.append(f"events_rd_{day:%Y%m%d}")
        except sa.exc.DBAPIError as exc:   # a lock wait ran out, or the default partition holds that day's rows
            log.info("day partition %s not made now: %s", day, str(exc).splitlines()[0])
    return made


def day_partitions(conn: Connection) -> dict[date, str]:
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events_readings' "
        "AND p.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())").scalars()
    out = {}
    for name in rows:
        m = PARTITION.match(name)
        if m:
            out[datetime.strptime(m.group(1), "%Y%m%d").date()] = name
    return out


def drop_day_partitions(store: Store, cut: datetime) -> list[str]:
    """PostgreSQL: drop the readings' day partitions that end at or before `cut`."""
    if store.dialect != "postgresql":
        return []
    with store.connect() as conn:
        parts = day_partitions(conn)
    dropped = []
    for day, name in sorted(parts.items()):
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
        if end > cut:
            continue
        try:
            with store.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                conn.exec_driver_sql(f"DROP TABLE {name}")
            dropped.append(name)
        except sa.exc.DBAPIError as exc:
            log.info("day partition %s not dropped now: %s", name, str(exc).splitlines()[0])
    return dropped


def delete_batches(store: Store, table: sa.Table, where, batch: int, key=None, max_batches: int = 1000,
                   stop=None) -> int:
    """DELETE the rows matching `where`, `batch` at a time, one short transaction each."""
    key = key if key is not None else list(table.primary_key.columns)[0]
    total = 0
    for _ in range(max_batches):
        if stop is not None and stop.is_set():
            break
        with store.begin() as conn:
            ids = sa.select(key).where(where).limit(batch).scalar_subquery()
            n = conn.execute(table.delete().where(key.in_(ids))).rowcount
        total += n
        if n < batch:
            break
        time.sleep(PAUSE)
    return total


def prune_readings(store: Store, cut: datetime, batch: int, stop=None) -> int:
    """Raw readings observed before `cut`: partitions dropped (PostgreSQL), the rest deleted in batches.
    Returns the rows deleted by DELETE (dropped partitions are not counted)."""
    e = t.events.c
    dropped = drop_day_partitions(store, cut)
    if dropped:
        log.info("retention: dropped %s", ", ".join(dropped))
    where = sa.and_(e.kind.in_(READING_KINDS), e.observed_at < cut)
    return delete_batches(store, t.events, where, batch, stop=stop)


def prune_records(store: Store, cut: datetime, batch: int, stop=None) -> int:
    e, d = t.events.c, t.dead_letters.c
    n = delete_batches(store, t.events, sa.and_(e.kind.not_in(READING_KINDS), e.received_at < cut), batch, stop=stop)
    return n + delete_batches(store, t.dead_letters, d.received_at < cut, batch, stop=stop)


def _row_key(store: Store):
    return sa.literal_column("ctid" if store.dialect == "postgresql" else "rowid")


def prune_rollups(store: Store, grain: int, cut: datetime, batch: int, stop=None) -> int:
    from .rollups import HOUR, epoch
    r = rt.reading_rollups.c
    n = delete_batches(store, rt.reading_rollups, sa.and_(r.grain == grain, r.bucket < epoch(cut)), batch,
                       key=_row_key(store), stop=stop)
    if grain == HOUR:
        a = rt.aqi_hourly.c
        n += delete_batches(store, rt.aqi_hourly, a.hour < epoch(cut), batch, key=_row_key(store), stop=stop)
    return n


def prune_incidents(store: Store, cut: datetime, batch: int, stop=None) -> int:
    """Incidents that ended (closed, rejected, merged) before `cut`, with their history and contact details.
    Their day roll-ups stay (the review's figures of past years keep their counts)."""
    i = t.incidents.c
    ended = sa.and_(i.status.in_((workflow.CLOSED, workflow.REJECTED, workflow.MERGED)), i.updated_at < cut)
    total = 0
    while stop is None or not stop.is_set():
        with store.begin() as conn:
            ids = [r for r in conn.execute(sa.select(i.id).where(ended).limit(batch)).scalars()]
            if not ids:
                break
            for table, column in ((t.incident_facts, "incident_id"), (t.open311_contacts, "incident_id"),
                                  (t.incident_history, "incident_id"),
                                  # field work (issue 18): photo links and checks; the files: prune_evidence
                                  (t.schema_field.incident_evidence, "incident_id"),
                                  (t.schema_field.verification_tasks, "incident_id")):
                conn.execute(table.delete().where(table.c[column].in_(ids)))
            total += conn.execute(t.incidents.delete().where(i.id.in_(ids))).rowcount
        if len(ids) < batch:
            break
        time.sleep(PAUSE)
    return total


def _sqlite_raw(store: Store, *statements: str):
    """Run statements on a pooled SQLite connection outside any transaction (VACUUM wants that)."""
    raw = store.engine.raw_connection()
    try:
        db = raw.driver_connection
        out = None
        for sql in statements:
            out = db.execute(sql).fetchall()
        return out
    finally:
        raw.close()


def incremental_vacuum(store: Store, pages: int = 2000) -> int:
    """SQLite: give up to `pages` free pages back to the file system; returns the free pages left."""
    if store.dialect != "sqlite":
        return 0
    raw = store.engine.raw_connection()
    try:   # executescript steps the pragma to the end (execute would free one page)
        raw.driver_connection.executescript(f"PRAGMA incremental_vacuum({int(pages)});")
        return int(raw.driver_connection.execute("PRAGMA freelist_count").fetchone()[0])
    finally:
        raw.close()


def auto_vacuum_mode(store: Store) -> int | None:
    """SQLite: 0 none, 1 full, 2 incremental."""
    if store.dialect != "sqlite":
        return None
    return int(_sqlite_raw(store, "PRAGMA auto_vacuum")[0][0])


def make_incremental(store: Store) -> None:
    """SQLite: switch an older file to auto_vacuum=INCREMENTAL (one VACUUM: rewrites the file)."""
    _sqlite_raw(store, "PRAGMA auto_vacuum=INCREMENTAL", "VACUUM")
