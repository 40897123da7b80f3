"""The screens that look back read the roll-ups: the review's AQI per day and congestion per hour of day over
any period (a year included), and the replay's congestion and air at a moment. What is newer than the
roll-ups' watermark (the last few minutes) comes from the raw readings, so the figures are whole.

Hourly roll-ups where the city's UTC offset is whole hours; 5-minute ones otherwise (a day or an hour of
day must be made of whole buckets)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import aqi

from . import schema as t, schema_retention as rt
from .rollups import FIVE_MINUTES, HOUR, at_epoch, epoch, watermark


def _grain(offset_seconds: int) -> int:
    return HOUR if offset_seconds % HOUR == 0 else FIVE_MINUTES


def _split(conn: Connection, start: datetime, end: datetime):
    """([start, mid) read from roll-ups, [mid, end) from the raw readings)."""
    mark = watermark(conn)
    mid = min(max(at_epoch(mark), start), end) if mark is not None else start
    return mid


def air_daily_means(conn: Connection, start: datetime, end: datetime, offset_seconds: int,
                    raw_reader=None) -> dict[str, dict[str, float]]:
    """{day: {pollutant: mean of every station's readings that day}} (days at the city's UTC offset)."""
    r = rt.reading_rollups.c
    grain = _grain(offset_seconds)
    mid = _split(conn, start, end)
    sums: dict[tuple[int, str], list[float]] = {}
    day = ((r.bucket + offset_seconds) // 86400).label("day")
    q = (sa.select(day, r.metric, sa.func.sum(r.total), sa.func.sum(r.n))
         .where(r.grain == grain, r.subject_kind == "city", r.subject == "all", r.metric != "speed_ratio",
                r.bucket >= epoch(start), r.bucket < epoch(mid))
         .group_by(day, r.metric))
    for d, metric, total, n in conn.execute(q):
        cell = sums.setdefault((int(d), metric), [0.0, 0])
        cell[0] += total or 0.0
        cell[1] += n or 0
    if mid < end:
        e = t.events.c
        value = e.payload["value"].as_float()
        pollutant = e.payload["pollutant"].as_string()
        q = (sa.select(e.observed_at, pollutant, value)
             .where(e.kind == "air_reading", e.observed_at >= mid.astimezone(timezone.utc),
                    e.observed_at < end.astimezone(timezone.utc), value.is_not(None)))
        for at, p, v in conn.execute(q):
            d = (epoch(_aware(at)) + offset_seconds) // 86400
            cell = sums.setdefault((d, p), [0.0, 0])
            cell[0] += v
            cell[1] += 1
    out: dict[str, dict[str, float]] = {}
    epoch_day = datetime(1970, 1, 1).date()
    for (d, p), (total, n) in sums.items():
        if p and n:
            out.setdefault((epoch_day + timedelta(days=d)).isoformat(), {})[p] = total / n
    return out


def _aware(dt):
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def congestion_by_hour(conn: Connection, start: datetime, end: datetime, offset_seconds: int) -> list[dict]:
    """[{hour (0–23, local), ratio: mean of speed / free-flow speed over the readings, readings}]."""
    r, s = rt.reading_rollups.c, t.road_segments.c
    grain = _grain(offset_seconds)
    mid = _split(conn, start, end)
    hour = (((r.bucket + offset_seconds) // HOUR) % 24).label("h")
    q = (sa.select(hour, sa.func.sum(r.total), sa.func.sum(r.n))
         .where(r.grain == grain, r.subject_kind == "city", r.subject == "all", r.metric == "speed_ratio",
                r.bucket >= epoch(start), r.bucket < epoch(mid))
         .group_by(hour))
    cells: dict[int, list[float]] = {}
    for h, ratio_sum, n in conn.execute(q):
        cell = cells.setdefault(int(h), [0.0, 0])
        cell[0] += ratio_sum or 0.0
        cell[1] += n or 0
    if mid < end:
        e = t.events.c
        speed = e.payload["speed_kmh"].as_float()
        q = (sa.select(e.observed_at, speed / s.free_flow_kmh)
             .select_from(t.events.join(t.road_segments, s.id == e.payload["segment_id"].as_string()))
             .where(e.kind == "segment_speed", e.observed_at >= mid.astimezone(timezone.utc),
                    e.observed_at < end.astimezone(timezone.utc), speed.is_not(None)))
        for at, ratio in conn.execute(q):
            h = ((epoch(_aware(at)) + offset_seconds) // HOUR) % 24
            cell = cells.setdefault(int(h), [0.0, 0])
            cell[0] += ratio
            cell[1] += 1
    return [{"hour": h, "ratio": total / n, "readings": n} for h, (total, n) in sorted(cells.items()) if n]


# -- the replay -------------------------------------------------------------------------------------
def rolled_through(conn: Connection) -> datetime | None:
    mark = watermark(conn)
    return at_epoch(mark) if mark is not None else None


def segments_at(conn: Connection, at: datetime, window: timedelta) -> dict[str, float | None]:
    """{segment: mean speed of its newest 5-minute bucket that ended by `at`, within `window`}."""
    r = rt.reading_rollups.c
    hi = epoch(at) - FIVE_MINUTES
    q = (sa.select(r.subject, r.total, r.n).where(
        r.grain == FIVE_MINUTES, r.subject_kind == "segment", r.metric == "speed_kmh",
        r.bucket > epoch(at - window) - FIVE_MINUTES, r.bucket <= hi).order_by(r.bucket))
    return {sid: total / n for sid, total, n in conn.execute(q) if n}


def stations_at(conn: Connection, at: datetime, window: timedelta) -> dict[str, dict[str, float]]:
    """{station: {pollutant: mean of its newest hour that ended by `at`, within `window`}}."""
    r = rt.reading_rollups.c
    q = (sa.select(r.subject, r.metric, r.total, r.n).where(
        r.grain == HOUR, r.subject_kind == "station", r.bucket > epoch(at - window) - HOUR,
        r.bucket <= epoch(at) - HOUR).order_by(r.bucket))
    out: dict[str, dict[str, float]] = {}
    for sid, pollutant, total, n in conn.execute(q):
        if n and pollutant in aqi.POLLUTANTS:
            out.setdefault(sid, {})[pollutant] = total / n
    return out
