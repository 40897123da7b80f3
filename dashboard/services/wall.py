"""What the video wall loads at start (and again after a reset, or while polling): the operations
picture, the feed health and today's new incidents per hour. Everything after that arrives as deltas."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.store import closure as closure_store, utcnow

from .container import Services
from .health import feed_health_report
from .operations import operations_snapshot


def incidents_per_hour_today(services: Services, conn, now: datetime) -> list[int]:
    """New incidents in each hour of the city's today (24 counts, hour 0 first; later hours are 0)."""
    counts = [0] * 24
    tz = services.tz
    for created in closure_store.created_since(conn, services.day_start(now)):
        counts[created.astimezone(tz).hour] += 1
    return counts


def wall_snapshot(services: Services, department_scope: str | None = None) -> dict[str, Any]:
    """The operations picture with the wall's extras, cached per data version like it."""
    return services.cache.remember(f"wall:{department_scope or '*'}", services.bus.position(),
                                   lambda: _wall_snapshot(services, department_scope))


def _wall_snapshot(services: Services, department_scope: str | None) -> dict[str, Any]:
    snap = dict(operations_snapshot(services, department_scope))
    now = utcnow()
    with services.store.connect() as conn:
        snap["hourly_new"] = incidents_per_hour_today(services, conn, now)
    snap["feeds"] = feed_health_report(services)["connectors"]
    return snap
