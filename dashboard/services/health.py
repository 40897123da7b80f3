"""Feed health: ok / degraded / stale / down per connector, from what ingest recorded."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.store import feeds, utcnow

from .container import Services

DOWN_AFTER_FAILURES = 3


def classify(row: dict, now: datetime, stale_after: float) -> str:
    last_success = row.get("last_success")
    if row.get("consecutive_failures", 0) >= DOWN_AFTER_FAILURES:
        return "down"
    if last_success is None or (now - last_success).total_seconds() > stale_after:
        return "stale"
    if not row.get("ok") or row.get("consecutive_failures", 0) > 0:
        return "degraded"
    return "ok"


def feed_health_report(services: Services) -> dict[str, Any]:
    now = utcnow()
    with services.store.connect() as conn:
        rows = feeds.feed_health(conn)
    stale_after = services.settings.stale_after_seconds
    items = []
    for row in rows:
        state = classify(row, now, stale_after)
        items.append({
            "connector": row["connector"], "state": state, "detail": row["detail"], "ok": bool(row["ok"]),
            "last_success": row["last_success"].isoformat() if row["last_success"] else None,
            "last_failure": row["last_failure"].isoformat() if row.get("last_failure") else None,
            "lag_seconds": round((now - row["last_success"]).total_seconds(), 1) if row["last_success"] else None,
            "stale_after_seconds": stale_after,   # pages mark a source stale when no news comes for this long
            "events_total": row["events_total"], "dead_letters_total": row["dead_letters_total"],
            "consecutive_failures": row["consecutive_failures"],
        })
    worst = max((["ok", "degraded", "stale", "down"].index(i["state"]) for i in items), default=0)
    return {"status": ["ok", "degraded", "stale", "down"][worst], "at": now.isoformat(), "connectors": items}
