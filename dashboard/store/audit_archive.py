"""The audit archive: entries past the audit retention, one JSON object a line with their chain link
(`prev_hash`, `hash`), in gzip files per month of the entry's time (UTC): DIR/audit-YYYY-MM.jsonl.gz.

A file only ever changes as a whole: the new version (the old bytes, then a new gzip member with the new
lines) is written beside it, fsynced, renamed over it and the directory fsynced — a crash leaves the old
file or the new one, never half a line. An entry archived twice (the prune stopped after archiving, before
deleting) appears twice with the same content; `read` keeps one and reports copies that differ."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, audit_chain, schema_security as ts
from .audit_chain import FIELDS, GENESIS, instant

FOLDER = "audit-archive"          # in the data directory (services.retention; carried by backups)
PATTERN = "audit-*.jsonl.gz"


def file_name(at: datetime) -> str:
    at = as_utc(at)
    return f"audit-{at:%Y-%m}.jsonl.gz"


def line(entry: dict[str, Any]) -> dict[str, Any]:
    """What is archived of an entry: its hashed fields (time as the chain hashes it) and its link."""
    body = {k: entry.get(k) for k in FIELDS}
    body["id"] = int(body["id"])
    body["at"] = instant(body["at"])
    body["prev_hash"], body["hash"] = entry["prev_hash"], entry["hash"]
    return body


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append(directory: str | Path, entries: Iterable[dict[str, Any]]) -> list[str]:
    """Add `entries` (with `prev_hash` and `hash`) to the month files; durable when this returns.
    Returns the names of the files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict]] = {}
    for entry in entries:
        by_file.setdefault(file_name(entry["at"]), []).append(line(entry))
    for name, lines in sorted(by_file.items()):
        target = directory / name
        tmp = directory / f".{name}.tmp"
        with open(tmp, "wb") as out:
            if target.exists():
                with open(target, "rb") as old:
                    shutil.copyfileobj(old, out)
            text = "".join(json.dumps(x, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
                           for x in lines)
            out.write(gzip.compress(text.encode(), mtime=0))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    if by_file:
        _fsync_dir(directory)
    return sorted(by_file)


@dataclass
class Archived:
    entry: dict[str, Any]     # the fields the chain hashes, `prev_hash`, `hash`
    where: str                # file:line, to name in a report


@dataclass
class Problem:
    where: str
    audit_id: int | None
    problem: str

    def __str__(self) -> str:
        who = f"audit entry {self.audit_id}" if self.audit_id is not None else "a line"
        return f"{self.where}: {who}: {self.problem}"


def read(directory: str | Path) -> tuple[dict[int, Archived], Problem | None]:
    """Every archived entry by id, or the first line that is not one (or a copy that differs)."""
    out: dict[int, Archived] = {}
    for path in sorted(Path(directory).glob(PATTERN)):
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for n, text in enumerate(f, 1):
                    where = f"{path.name}:{n}"
                    try:
                        entry = json.loads(text)
                        audit_id = int(entry["id"])
                        entry["prev_hash"], entry["hash"]   # noqa: B018 - both must be there
                    except (ValueError, KeyError, TypeError):
                        return out, Problem(where, None, "is not an archived audit entry")
                    seen = out.get(audit_id)
                    if seen is not None and seen.entry != entry:
                        return out, Problem(where, audit_id, f"archived again with other content (see {seen.where})")
                    if seen is None:
                        out[audit_id] = Archived(entry, where)
        except (OSError, EOFError, zlib.error) as exc:   # not gzip, or cut short
            return out, Problem(path.name, None, f"cannot be read ({exc.__class__.__name__}: {exc})")
    return out, None


def verify(conn: Connection, directory: str | Path) -> tuple[int, int, Problem | audit_chain.Broken | None]:
    """The archive and the store as one chain from the first entry: (archived entries checked, entries in
    the store checked, the first problem or None). Every anchor must be an archived entry with the same
    hash, and the store's chain must go on from the last archived entry that was pruned."""
    entries, problem = read(directory)
    if problem is not None:
        return 0, 0, problem
    a = ts.audit_anchor.c
    anchors = conn.execute(sa.select(a.through_id, a.hash).order_by(a.through_id, a.id)).all()
    through = anchors[-1].through_id if anchors else None
    prev, checked = GENESIS, 0
    for audit_id in sorted(entries):
        if through is None or audit_id > through:
            break   # archived, not pruned yet: still in the store and checked there
        got = entries[audit_id]
        if got.entry["prev_hash"] != prev:
            return checked, 0, Problem(got.where, audit_id, "links to a different entry before it (an archived "
                                                            "entry is missing or was inserted)")
        if audit_chain.link(prev, got.entry) != got.entry["hash"]:
            return checked, 0, Problem(got.where, audit_id, "its content does not match its hash (edited)")
        prev = got.entry["hash"]
        checked += 1
    for anchor in anchors:
        got = entries.get(anchor.through_id)
        if got is None:
            return checked, 0, Problem(str(directory), anchor.through_id, "was pruned but is not in the archive")
        if got.entry["hash"] != anchor.hash:
            return checked, 0, Problem(got.where, anchor.through_id, "differs from the anchor recorded when it "
                                                                     "was pruned")
    stored, broken = audit_chain.verify(conn, start=prev)
    return checked, stored, broken
