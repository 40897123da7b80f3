"""The time the services act at: an aware UTC instant (callbacks ask here, never the store)."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
