"""Archive-and-prune of the audit log (issue 20), from the retention round.

The log is append-only in the database (issue 5) and hash-chained (issue 17), so pruning is:
1. read the oldest entries — a prefix of the chain in id order, each older than the cut — and check
   their links (pruning never hides a broken link: it stops instead);
2. write them with their links to the archive (dashboard.store.audit_archive), fsynced;
3. then, in small transactions, delete them and their links through the one path the append-only
   triggers allow (migration 0014: PostgreSQL, the transaction-local setting `cityops.audit_prune`;
   SQLite, the one row of `audit_prune_gate`, added and removed inside the transaction), recording an
   anchor — the last deleted entry's id and hash — in the same transaction, so that after every commit
   the chain in the store verifies from the newest anchor.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Store, audit_archive, audit_chain, schema as t, schema_security as ts, utcnow

log = logging.getLogger(__name__)

BATCH = 500              # entries deleted per transaction (each holds the chain's head for its length)
READ = 20_000            # entries archived at a time (one rewrite of a month file)
PAUSE = 0.02             # seconds between two transactions: audit appends and ingest go first
_PRUNER_KEY = 2020           # PostgreSQL session advisory lock (with the schema): one pruner at a time


class ChainBroken(Exception):
    """The entries to prune do not verify: nothing is pruned until someone looks."""


def _oldest(conn: Connection, after: int | None, cut: datetime, limit: int) -> list[dict]:
    """The oldest entries after `after`, with their links, while they are older than `cut`."""
    a, c = t.audit_log.c, ts.audit_chain.c
    after_anchor = a.id > after if after is not None else sa.true()
    first = conn.execute(sa.select(a.at).where(after_anchor).order_by(a.id).limit(1)).scalar()
    if first is None or audit_chain.instant(first) >= audit_chain.instant(cut):
        return []   # most rounds: the oldest entry is inside the window
    q = (sa.select(t.audit_log, c.prev_hash, c.hash)
         .select_from(t.audit_log.outerjoin(ts.audit_chain, c.audit_id == a.id))
         .where(after_anchor).order_by(a.id).limit(limit))
    out = []
    for r in conn.execution_options(yield_per=BATCH).execute(q):   # streamed: the prefix may end early
        entry = dict(r._mapping)
        if audit_chain.instant(entry["at"]) >= audit_chain.instant(cut):
            break   # a prefix of the chain: the first entry inside the window ends it
        out.append(entry)
    return out


def _check(prev: str, entries: list[dict]) -> None:
    for entry in entries:
        if entry["hash"] is None or entry["prev_hash"] != prev or audit_chain.link(prev, entry) != entry["hash"]:
            raise ChainBroken(f"audit entry {entry['id']} does not verify; not pruning "
                              "(run `cityops audit verify`)")
        prev = entry["hash"]


def _open_gate(conn: Connection, through: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT set_config('cityops.audit_prune', :v, true)"), {"v": str(through)})
    else:
        conn.execute(ts.audit_prune_gate.insert().values(slot=1, through_id=through))


def _close_gate(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT set_config('cityops.audit_prune', '', true)"))
    else:
        conn.execute(ts.audit_prune_gate.delete())


def _delete(store: Store, entries: list[dict], archive: str) -> int:
    """One transaction: delete `entries` (a prefix of the chain after the newest anchor), anchor the last.
    0 when another process pruned meanwhile."""
    first, last = entries[0], entries[-1]
    with store.begin() as conn:
        audit_chain.lock_head(conn)
        anchor = audit_chain.latest_anchor(conn)
        expected = anchor.hash if anchor else audit_chain.GENESIS
        if first["prev_hash"] != expected:
            return 0
        a, c = t.audit_log.c, ts.audit_chain.c
        _open_gate(conn, last["id"])
        conn.execute(ts.audit_chain.delete().where(c.audit_id <= last["id"]))
        n = conn.execute(t.audit_log.delete().where(a.id <= last["id"])).rowcount
        _close_gate(conn)
        conn.execute(ts.audit_anchor.insert().values(through_id=last["id"], hash=last["hash"], entries=n,
                                                     pruned_at=utcnow(), archive=archive[:400]))
    return n


@contextlib.contextmanager
def _one_pruner(store: Store, archive_dir: Path):
    """True while this is the only pruner (of this archive directory and, on PostgreSQL, of this store):
    two would rewrite the same month file from the same old version."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(archive_dir / ".prune.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        if store.dialect != "postgresql":
            yield True
            return
        with store.connect() as conn:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"),
                               {"k": _PRUNER_KEY}).scalar()
            conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"),
                                 {"k": _PRUNER_KEY})
                    conn.commit()
    finally:
        os.close(fd)   # releases the flock


def prune(store: Store, archive_dir: str | Path, cut: datetime, batch: int = BATCH,
          stop: threading.Event | None = None, max_rounds: int = 100) -> int:
    """Archive, then delete, the audit entries before `cut` (a prefix of the chain). Returns how many were
    deleted (0 when another process is pruning). Raises ChainBroken (having pruned nothing more) when an
    entry to prune does not verify."""
    archive_dir = Path(archive_dir)
    with _one_pruner(store, archive_dir) as alone:
        total = _prune(store, archive_dir, cut, max(1, min(batch, BATCH)), stop, max_rounds) if alone else 0
    if total:
        log.info("audit retention: %d entries archived in %s and pruned", total, archive_dir)
    return total


def _prune(store: Store, archive_dir: Path, cut: datetime, batch: int, stop: threading.Event | None,
           max_rounds: int) -> int:
    total = 0
    for _ in range(max_rounds):
        if stop is not None and stop.is_set():
            break
        with store.read() as conn:
            anchor = audit_chain.latest_anchor(conn)
            entries = _oldest(conn, anchor.through_id if anchor else None, cut, READ)
        if not entries:
            break
        _check(anchor.hash if anchor else audit_chain.GENESIS, entries)
        names = ", ".join(audit_archive.append(archive_dir, entries))   # durable before anything is deleted
        for i in range(0, len(entries), batch):
            if stop is not None and stop.is_set():
                return total
            n = _delete(store, entries[i:i + batch], names)
            if n == 0:
                return total   # another process prunes: it goes on
            total += n
            time.sleep(PAUSE)
        if len(entries) < READ:
            break
    return total
