"""Device fault episodes (services.device_rules), kept per source as one JSON document in the
checkpoints table under "episodes:<source>" — no table of their own: only devices in a fault, and
those that left one in the last day (so that a late, older reading cannot start a false episode),
are in it. Read and written in the ingest transaction."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.engine import Connection

from . import feeds


def _key(source: str) -> str:
    return f"episodes:{source}"[:64]


def load(conn: Connection, source: str) -> dict[str, dict]:
    raw = feeds.load_checkpoint(conn, _key(source))
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError:
        doc = {}
    return doc if isinstance(doc, dict) else {}


def save(conn: Connection, source: str, episodes: dict[str, dict], at: datetime) -> None:
    feeds.save_checkpoint(conn, _key(source), json.dumps(episodes, sort_keys=True, ensure_ascii=False), at)
