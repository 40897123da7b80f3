"""The store: SQLAlchemy Core over SQLite (default, WAL) or PostgreSQL. Data access lives in the
modules beside this one; services call them inside one transaction (`store.begin()`)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import migrate


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")   # first: the pragmas below wait for a writer instead of failing
    # a new file frees pages back to the file system on `PRAGMA incremental_vacuum` (retention);
    # an existing file keeps its mode until `cityops db upgrade` converts it
    if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:   # only on a new file: on one in use the
        cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")            # pragma waits for every writer (#14)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's lazy BEGIN.
    dbapi_connection.isolation_level = None


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def begin(self):
        """A transaction: `with store.begin() as conn: ...` commits on success, rolls back on error."""
        return self.engine.begin()

    def connect(self) -> Connection:
        return self.engine.connect()

    def read(self) -> Connection:
        """A connection for reads only (on SQLite it takes no write lock)."""
        return self.engine.connect().execution_options(cityops_read_only=True)

    def upgrade(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, **engine_options) -> Store:
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **engine_options)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # SQLite's own BEGIN is deferred; take the write lock at the start so concurrent writers
        # queue instead of failing with "database is locked" at commit.
        # A connection opened with `Store.read()` only reads: a deferred BEGIN, which in WAL mode never
        # waits for a writer (nor, inside a writer's own transaction, for itself).
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN" if conn.get_execution_options().get("cityops_read_only") else "BEGIN IMMEDIATE"))
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, **engine_options)
    return Store(engine)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
