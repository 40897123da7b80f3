"""The audit log's hash chain: each entry's SHA-256 over its content and the hash of the entry before
it, kept in `audit_chain`. Appends are serialised (SQLite: the write lock every transaction takes;
PostgreSQL: a transaction-scoped advisory lock), so the chain has one order: the ids'.
`verify` walks the log and names the first entry whose link does not hold.

Entries past the audit retention are archived and pruned (dashboard.store.audit_prune); the newest anchor
(`audit_anchor`: the last pruned entry's id and hash) is then where the chain in the store starts, and
`audit_archive.verify` walks the archive files and the store as one chain from the first entry."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as t, schema_security as ts

GENESIS = "0" * 64
_LOCK_KEY = 0x0C17A0D17   # pg_advisory_xact_lock key of the chain's head
FIELDS = ("id", "at", "actor", "actor_role", "remote_addr", "action", "target_type", "target_id",
          "before", "after", "reason")


def instant(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: dict[str, Any]) -> bytes:
    """The entry as it is hashed: its fields in a fixed order, times in UTC to the microsecond."""
    body = {k: entry.get(k) for k in FIELDS}
    body["at"] = instant(body["at"])
    body["id"] = int(body["id"])
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def lock_head(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def head(conn: Connection) -> str:
    c = ts.audit_chain.c
    row = conn.execute(sa.select(c.hash).order_by(c.audit_id.desc()).limit(1)).first()
    if row:
        return row.hash
    anchor = latest_anchor(conn)   # every entry pruned: the next one links to the last pruned
    return anchor.hash if anchor else GENESIS


def latest_anchor(conn: Connection):
    """The newest anchor (through_id, hash, pruned_at, …) or None when nothing was ever pruned."""
    a = ts.audit_anchor.c
    return conn.execute(sa.select(ts.audit_anchor).order_by(a.through_id.desc(), a.id.desc()).limit(1)).first()


def chain(conn: Connection, entry: dict[str, Any]) -> str:
    """Add the link of `entry` (already inserted, with its id); call with the head locked."""
    prev = head(conn)
    digest = link(prev, entry)
    conn.execute(ts.audit_chain.insert().values(audit_id=entry["id"], prev_hash=prev, hash=digest))
    return digest


@dataclass
class Broken:
    audit_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"audit entry {self.audit_id}: {self.problem}" if self.audit_id is not None else self.problem


def _entries(conn: Connection, batch: int = 5000) -> Iterator[tuple[dict, Any]]:
    a, c = t.audit_log.c, ts.audit_chain.c
    last = -1
    while True:
        q = (sa.select(t.audit_log, c.prev_hash, c.hash.label("chain_hash"))
             .select_from(t.audit_log.outerjoin(ts.audit_chain, c.audit_id == a.id))
             .where(a.id > last).order_by(a.id).limit(batch))
        rows = conn.execute(q).all()
        if not rows:
            return
        for r in rows:
            yield dict(r._mapping), r
        last = rows[-1].id


def verify(conn: Connection, start: str | None = None) -> tuple[int, Broken | None]:
    """(entries checked, the first broken link or None). The chain starts at the newest anchor of pruned
    entries (or `start`, the hash the archive ends with), else at GENESIS."""
    if start is None:
        anchor = latest_anchor(conn)
        start = anchor.hash if anchor else GENESIS
    prev = start
    checked = 0
    ids: set[int] = set()
    for entry, r in _entries(conn):
        ids.add(entry["id"])
        if r.chain_hash is None:
            return checked, Broken(entry["id"], "has no link in the hash chain (added outside CityOps?)")
        if r.prev_hash != prev:
            return checked, Broken(entry["id"], "links to a different entry before it (an entry was removed "
                                                "or inserted)")
        if link(prev, entry) != r.chain_hash:
            return checked, Broken(entry["id"], "its content does not match its hash (edited)")
        prev = r.chain_hash
        checked += 1
    c = ts.audit_chain.c
    orphan = conn.execute(sa.select(c.audit_id).where(c.audit_id.not_in(sa.select(t.audit_log.c.id)))
                          .order_by(c.audit_id).limit(1)).first() if checked or ids else \
        conn.execute(sa.select(c.audit_id).order_by(c.audit_id).limit(1)).first()
    if orphan is not None:
        return checked, Broken(orphan.audit_id, "is chained but missing from the log (deleted)")
    return checked, None
