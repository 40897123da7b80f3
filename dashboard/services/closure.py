"""How well incidents are being closed: the on-time rate and the average time to close, over the
incidents closed in the last seven days (a day alone is too few to say much, a month too slow)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dashboard.store import closure as closure_store

WINDOW = timedelta(days=7)


def closure_figures(conn, now: datetime) -> dict[str, Any]:
    """{closed_7d, on_time_rate (0…1, None without deadlines), avg_close_seconds (None without closures)}."""
    counts = closure_store.closure_counts(conn, now - WINDOW)
    with_deadline = counts["with_deadline"] or 0
    avg = counts["avg_seconds"]
    return {
        "closed_7d": counts["closed"] or 0,
        "on_time_rate": round(counts["on_time"] / with_deadline, 4) if with_deadline else None,
        "avg_close_seconds": round(float(avg), 1) if avg is not None else None,
    }
