"""Roll-ups of raw readings: per 5 minutes and per hour, per road segment (speed_kmh, flow_vph) and per air
station (each pollutant): count, sum, min, max, exactly the aggregates of the raw `events` rows of the
bucket. Built in the database from the raw rows, then the hours from the 5-minute buckets (counts and sums
add up, minima and maxima of minima and maxima), and each station's hourly AQI from the hour's means.

A build covers the buckets of [since, until) and replaces what was there, so running it again over a
window (late readings) gives the same rows as the first time would have with every reading in hand."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import aqi

from . import schema as t, schema_retention as rt
from .feeds import _insert

FIVE_MINUTES, HOUR = 300, 3600
GRAINS = (FIVE_MINUTES, HOUR)
SEGMENT_METRICS = ("speed_kmh", "flow_vph")
SUBJECT_KINDS = ("segment", "station")
WATERMARK_KEY = "rollups.readings"


def epoch(dt: datetime) -> int:
    return int(dt.astimezone(timezone.utc).timestamp())


def at_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def floor_to(seconds: int, grain: int) -> int:
    return seconds - seconds % grain


def _epoch_sql(conn: Connection, column):
    if conn.dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.func.extract("epoch", column)), sa.BigInteger)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


def _raw_selects(conn: Connection, since: datetime, until: datetime):
    """SELECTs of (grain, subject_kind, subject, metric, bucket, n, total, min, max) over the raw rows."""
    e = t.events.c
    bucket = (_epoch_sql(conn, e.observed_at) // FIVE_MINUTES * FIVE_MINUTES
              if conn.dialect.name == "sqlite" else
              sa.cast(sa.func.floor(sa.func.extract("epoch", e.observed_at) / FIVE_MINUTES) * FIVE_MINUTES, sa.BigInteger))
    window = sa.and_(e.observed_at >= _utc(since), e.observed_at < _utc(until))
    selects = []
    for metric in SEGMENT_METRICS:
        value = e.payload[metric].as_float()
        subject = e.payload["segment_id"].as_string()
        selects.append(
            sa.select(sa.literal(FIVE_MINUTES).label("grain"), sa.literal("segment").label("subject_kind"),
                      subject.label("subject"), sa.literal(metric).label("metric"), bucket.label("bucket"),
                      sa.func.count(value).label("n"), sa.func.sum(value).label("total"),
                      sa.func.min(value).label("min"), sa.func.max(value).label("max"))
            .where(e.kind == "segment_speed", window, value.is_not(None), subject.is_not(None))
            .group_by(subject, bucket))
    value = e.payload["value"].as_float()
    subject = e.payload["station_id"].as_string()
    pollutant = e.payload["pollutant"].as_string()
    selects.append(
        sa.select(sa.literal(FIVE_MINUTES).label("grain"), sa.literal("station").label("subject_kind"),
                  subject.label("subject"), pollutant.label("metric"), bucket.label("bucket"),
                  sa.func.count(value).label("n"), sa.func.sum(value).label("total"),
                  sa.func.min(value).label("min"), sa.func.max(value).label("max"))
        .where(e.kind == "air_reading", window, value.is_not(None), subject.is_not(None), pollutant.is_not(None))
        .group_by(subject, pollutant, bucket))
    return selects


COLUMNS = ("grain", "subject_kind", "subject", "metric", "bucket", "n", "total", "min", "max")


def _upsert_from(conn: Connection, select) -> None:
    r = rt.reading_rollups
    stmt = _insert(conn, r).from_select(COLUMNS, select)
    stmt = stmt.on_conflict_do_update(
        index_elements=["grain", "subject_kind", "subject", "metric", "bucket"],
        set_={c: stmt.excluded[c] for c in ("n", "total", "min", "max")})
    conn.execute(stmt)


def build(conn: Connection, since: datetime, until: datetime, standard: str = aqi.DEFAULT) -> None:
    """(Re)build the roll-ups of [since, until) — both on 5-minute boundaries — in the caller's transaction;
    the hours that [since, until) touches are rebuilt from their 5-minute buckets, their AQI too."""
    lo, hi = floor_to(epoch(since), FIVE_MINUTES), floor_to(epoch(until), FIVE_MINUTES)
    if hi <= lo:
        return
    r = rt.reading_rollups.c
    kinds = r.subject_kind.in_(SUBJECT_KINDS)   # so the (grain, subject_kind, bucket) index serves the range
    conn.execute(rt.reading_rollups.delete().where(r.grain == FIVE_MINUTES, kinds, r.bucket >= lo, r.bucket < hi))
    for select in _raw_selects(conn, at_epoch(lo), at_epoch(hi)):
        _upsert_from(conn, sa.select(select.subquery()).where(sa.true()))   # WHERE: SQLite's upsert parser
    h_lo, h_hi = floor_to(lo, HOUR), floor_to(hi - 1, HOUR) + HOUR
    hour = (r.bucket // HOUR * HOUR) if conn.dialect.name == "sqlite" else (
        sa.cast(sa.func.floor(r.bucket / sa.literal(float(HOUR))) * HOUR, sa.BigInteger))
    conn.execute(rt.reading_rollups.delete().where(r.grain == HOUR, kinds, r.bucket >= h_lo, r.bucket < h_hi))
    hourly = (sa.select(sa.literal(HOUR).label("grain"), r.subject_kind, r.subject, r.metric, hour.label("bucket"),
                        sa.func.sum(r.n), sa.func.sum(r.total), sa.func.min(r.min), sa.func.max(r.max))
              .where(r.grain == FIVE_MINUTES, kinds, r.bucket >= h_lo, r.bucket < h_hi)
              .group_by(r.subject_kind, r.subject, r.metric, hour))
    _upsert_from(conn, sa.select(hourly.subquery()).where(sa.true()))
    for grain, g_lo, g_hi in ((FIVE_MINUTES, lo, hi), (HOUR, h_lo, h_hi)):
        build_city(conn, grain, g_lo, g_hi)
    build_aqi(conn, h_lo, floor_to(hi, HOUR), standard)


def build_city(conn: Connection, grain: int, lo: int, hi: int) -> None:
    """The whole city per bucket, from the segments' and stations' rows of [lo, hi): "speed_ratio" (speed over
    the segment's free-flow speed, summed over the readings) and each pollutant over every station, so a
    year's trends add up one row per hour instead of one per segment and hour."""
    r, s = rt.reading_rollups.c, t.road_segments.c
    conn.execute(rt.reading_rollups.delete().where(r.grain == grain, r.subject_kind == "city", r.bucket >= lo,
                                                   r.bucket < hi))
    ratio = (sa.select(sa.literal(grain).label("grain"), sa.literal("city").label("subject_kind"),
                       sa.literal("all").label("subject"), sa.literal("speed_ratio").label("metric"), r.bucket,
                       sa.func.sum(r.n), sa.func.sum(r.total / s.free_flow_kmh), sa.func.min(r.min / s.free_flow_kmh),
                       sa.func.max(r.max / s.free_flow_kmh))
             .select_from(rt.reading_rollups.join(t.road_segments, s.id == r.subject))
             .where(r.grain == grain, r.subject_kind == "segment", r.metric == "speed_kmh", r.bucket >= lo,
                    r.bucket < hi)
             .group_by(r.bucket))
    _upsert_from(conn, sa.select(ratio.subquery()).where(sa.true()))
    air = (sa.select(sa.literal(grain).label("grain"), sa.literal("city").label("subject_kind"),
                     sa.literal("all").label("subject"), r.metric, r.bucket, sa.func.sum(r.n), sa.func.sum(r.total),
                     sa.func.min(r.min), sa.func.max(r.max))
           .where(r.grain == grain, r.subject_kind == "station", r.bucket >= lo, r.bucket < hi)
           .group_by(r.metric, r.bucket))
    _upsert_from(conn, sa.select(air.subquery()).where(sa.true()))   # the hours complete by now (the last one next time)


def build_aqi(conn: Connection, h_lo: int, h_hi: int, standard: str) -> None:
    """Each station's AQI of each hour in [h_lo, h_hi) from the hour's mean concentrations (the standard's
    hourly — real-time — AQI)."""
    r, a = rt.reading_rollups.c, rt.aqi_hourly.c
    q = (sa.select(r.subject, r.bucket, r.metric, r.total, r.n)
         .where(r.grain == HOUR, r.subject_kind == "station", r.bucket >= h_lo, r.bucket < h_hi, r.n > 0))
    hours: dict[tuple[str, int], dict[str, float]] = {}
    for subject, bucket, metric, total, n in conn.execute(q):
        if metric in aqi.POLLUTANTS:
            hours.setdefault((subject, int(bucket)), {})[metric] = total / n
    conn.execute(rt.aqi_hourly.delete().where(a.hour >= h_lo, a.hour < h_hi))
    rows = []
    for (station, hour), means in sorted(hours.items()):
        result = aqi.compute(means, standard)
        rows.append({"station_id": station, "hour": hour, "standard": result.standard, "aqi": result.aqi,
                     "level": result.level, "primary_pollutants": list(result.primary),
                     "concentrations": {k: round(v, 4) for k, v in means.items()}})
    if rows:
        conn.execute(rt.aqi_hourly.insert(), rows)


# -- the watermark: roll-ups are complete before it ----------------------------------------------------
def watermark(conn: Connection) -> int | None:
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == WATERMARK_KEY)).scalar()
    return int(value["through"]) if value else None


def set_watermark(conn: Connection, through: int) -> None:
    now = datetime.now(timezone.utc)
    value = {"through": int(through)}
    if conn.execute(t.meta.update().where(t.meta.c.key == WATERMARK_KEY)
                    .values(value=value, updated_at=now)).rowcount == 0:
        conn.execute(t.meta.insert().values(key=WATERMARK_KEY, value=value, updated_at=now))


def first_reading(conn: Connection, at_or_after: datetime | None = None) -> datetime | None:
    """The oldest reading that is rolled up (at or after a moment)."""
    e = t.events.c
    from . import as_utc
    q = sa.select(sa.func.min(e.observed_at)).where(e.kind.in_(("segment_speed", "air_reading")))
    if at_or_after is not None:
        q = q.where(e.observed_at >= _utc(at_or_after))
    return as_utc(conn.execute(q).scalar())


# -- reading them -------------------------------------------------------------------------------------
def series(conn: Connection, grain: int, subject_kind: str, start: datetime, end: datetime,
           metric: str | None = None, subjects: list[str] | None = None) -> list[dict]:
    r = rt.reading_rollups.c
    q = (sa.select(r.subject, r.metric, r.bucket, r.n, r.total, r.min, r.max)
         .where(r.grain == grain, r.subject_kind == subject_kind, r.bucket >= epoch(start), r.bucket < epoch(end))
         .order_by(r.bucket))
    if metric:
        q = q.where(r.metric == metric)
    if subjects is not None:
        q = q.where(r.subject.in_(subjects))
    return [{"subject": s, "metric": m, "bucket": int(b), "n": n, "total": tot, "mean": tot / n if n else None,
             "min": mn, "max": mx} for s, m, b, n, tot, mn, mx in conn.execute(q)]
