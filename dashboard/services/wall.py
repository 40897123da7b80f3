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


TREND_MINUTES = 120


def recent_trends(services: Services, conn, now: datetime, minutes: int = TREND_MINUTES) -> dict[str, list]:
    """The city congestion index and AQI of each minute of the last two hours, from the stored readings:
    {"ci": [[minute since the epoch, index]], "aqi": [[minute, AQI]]}. Air readings come every few minutes:
    each minute's AQI is from the latest value of each pollutant seen up to it."""
    from datetime import timedelta

    from dashboard.domain import aqi, congestion
    from dashboard.store import wall_history
    since = now - timedelta(minutes=minutes)
    ci = [[m, round(congestion.congestion_index(r, 1.0), 2)]
          for m, r in wall_history.speed_ratio_by_minute(conn, since, now)]
    latest: dict[str, float] = {}
    air = []
    for m, means in sorted(wall_history.air_by_minute(conn, since, now).items()):
        latest.update(means)
        result = aqi.compute(dict(latest), services.settings.aqi_standard)
        if result.aqi is not None:
            air.append([m, result.aqi])
    return {"ci": ci, "aqi": air}


def wall_snapshot(services: Services, department_scope: str | None = None) -> dict[str, Any]:
    """The operations picture with the wall's extras, cached per data version like it."""
    services.city   # the city in force first: an import changes the key
    return services.cache.remember(f"wall:{department_scope or '*'}:c{services.city_version}", services.bus.position(),
                                   lambda: _wall_snapshot(services, department_scope))


def _wall_snapshot(services: Services, department_scope: str | None) -> dict[str, Any]:
    snap = dict(operations_snapshot(services, department_scope))
    now = utcnow()
    with services.store.connect() as conn:
        snap["hourly_new"] = incidents_per_hour_today(services, conn, now)
        snap["recent"] = recent_trends(services, conn, now)
    snap["feeds"] = feed_health_report(services)["connectors"]
    return snap
