"""The review's other aggregates, all in the database: incidents in and closed per day, on-time rate per
week, hot-spot cells, the incidents behind a figure, AQI per day and congestion per hour of day."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import evaluation as ev

from . import as_utc, schema as t
from .evaluation import EPOCH_DAY, Cohorts, _utc, filters_clause


def _local_day(conn: Connection, column, tz_name: str, offset_seconds: int):
    """The city's calendar day of a timestamp, as 'YYYY-MM-DD' text."""
    if conn.dialect.name == "sqlite":   # no time zones there: the offset at the period's start
        return sa.func.date(column, f"{offset_seconds:+d} seconds")
    return sa.cast(sa.func.timezone(tz_name, column), sa.Date)


def _offset(period: ev.Period) -> int:
    return int(period.start.utcoffset().total_seconds())


def _day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def daily_flow(conn: Connection, period: ev.Period, tz_name: str, filters=None, department_scope=None) -> list[dict]:
    """[{day, created, closed}] for every day of the period (zeros included), from the facts' calendar-day
    columns (integers: no time-zone arithmetic per row)."""
    f = t.incident_facts.c
    first, last = _day_number(period.first_day), _day_number(period.last_day)
    where = filters_clause(filters, department_scope)
    out = {n: {"created": 0, "closed": 0} for n in range(first, last + 1)}
    for column, key in ((f.created_day, "created"), (f.closed_day, "closed")):
        q = sa.select(column, sa.func.count()).where(column.between(first, last), where).group_by(column)
        for d, n in conn.execute(q):
            if d in out:
                out[d][key] = n
    return [{"day": (EPOCH_DAY + timedelta(days=n)).isoformat(), **v} for n, v in out.items()]


def weekly_on_time(conn: Connection, period: ev.Period, now: datetime, tz_name: str, filters=None,
                   department_scope=None) -> list[dict]:
    """[{week (its Monday), due, on_time, rate}] over the due cohort, by the week of the deadline."""
    f = t.incident_facts.c
    c = Cohorts(conn, period, now)
    week = ((f.deadline_day + 3) // 7).label("week")      # 1970-01-01 was a Thursday: weeks start on Monday
    q = (sa.select(week, sa.func.count(), sa.func.count().filter(c.on_time))
         .where(c.due, filters_clause(filters, department_scope)).group_by(week).order_by(week))
    return [{"week": (EPOCH_DAY + timedelta(days=int(w) * 7 - 3)).isoformat(), "due": n, "on_time": k,
             "rate": k / n if n else None} for w, n, k in conn.execute(q)]


def heat_cells(conn: Connection, period: ev.Period, origin: tuple[float, float], cell_deg: float,
               category: str | None = None, filters=None, department_scope=None, limit: int = 2000) -> list[dict]:
    """Incidents created in the period counted per grid cell (south-west corner `origin` = (lat, lon))."""
    f = t.incident_facts.c
    lat0, lon0 = origin

    def index(column, zero):
        x = (column - zero) / cell_deg
        return sa.func.floor(x) if conn.dialect.name == "postgresql" else sa.cast(x, sa.Integer)
    row, col = index(f.lat, lat0).label("r"), index(f.lon, lon0).label("c")
    where = [f.created_day.between(_day_number(period.first_day), _day_number(period.last_day)),
             f.lat >= lat0, f.lon >= lon0,
             filters_clause(filters, department_scope)]
    if category:
        where.append(f.category == category)
    q = (sa.select(row, col, sa.func.count().label("n")).where(*where).group_by(row, col)
         .order_by(sa.desc("n")).limit(limit))
    return [{"lat": lat0 + (int(r) + 0.5) * cell_deg, "lon": lon0 + (int(c_) + 0.5) * cell_deg, "n": n}
            for r, c_, n in conn.execute(q)]


# Which incidents stand behind each figure, worst first.
def _behind(c: Cohorts, figure: str):
    f = t.incident_facts.c
    secs_accept, secs_close = c.accept_seconds, c.close_seconds
    return {
        "due": (c.due, f.deadline.asc()),
        "closure_rate": (sa.and_(c.due, sa.not_(c.closed)), f.deadline.asc()),
        "on_time_rate": (sa.and_(c.due, sa.or_(f.closed_at.is_(None), f.closed_at > f.deadline)), f.deadline.asc()),
        "overdue": (sa.and_(c.due, c.overdue), f.deadline.asc()),
        "supervised": (sa.and_(c.due, f.supervised.is_(True)), f.deadline.asc()),
        "disposal_rate": (sa.and_(c.disposal_due, sa.not_(c.disposed)), f.deadline.asc()),
        "rework_rate": (sa.and_(c.dispatched, f.fixed_count > 0, f.rework_count > 0), f.rework_count.desc()),
        "return_rate": (sa.and_(c.dispatched, f.return_count > 0), f.return_count.desc()),
        "accept_mean": (sa.and_(c.dispatched, c.accepted), secs_accept.desc()),
        "accept_p90": (sa.and_(c.dispatched, c.accepted), secs_accept.desc()),
        "close_mean": (sa.and_(c.due, c.closed), secs_close.desc()),
        "close_p90": (sa.and_(c.due, c.closed), secs_close.desc()),
        "verify_fail_rate": (sa.and_(c.dispatched, f.verify_failed > 0), f.verify_failed.desc()),
        "verify_mean": (sa.and_(c.dispatched, f.verify_count > 0), (f.verify_seconds / f.verify_count).desc()),
    }.get(figure)


def incidents_behind(conn: Connection, period: ev.Period, now: datetime, figure: str, filters=None,
                     department_scope=None, limit: int = 200) -> tuple[list[dict], int]:
    """The incidents that make a figure what it is (the open, late or reworked ones), worst first."""
    c = Cohorts(conn, period, now)
    chosen = _behind(c, figure)
    if chosen is None:
        raise ValueError(f"unknown figure {figure!r}")
    when, order = chosen
    f, i = t.incident_facts.c, t.incidents.c
    where = sa.and_(when, filters_clause(filters, department_scope))
    total = conn.execute(sa.select(sa.func.count()).select_from(t.incident_facts).where(where)).scalar_one()
    q = (sa.select(i.id, i.code, i.title, i.status, i.priority, f.department, f.category, f.district, f.deadline,
                   f.closed_at, f.created_at, f.dispatched_at, f.accepted_at, f.rework_count, f.return_count,
                   f.supervised)
         .select_from(t.incident_facts.join(t.incidents, i.id == f.incident_id))
         .where(where).order_by(order, f.incident_id).limit(limit))
    rows = []
    for r in conn.execute(q):
        d = dict(r._mapping)
        for k in ("deadline", "closed_at", "created_at", "dispatched_at", "accepted_at"):
            d[k] = as_utc(d[k])
        rows.append(d)
    return rows, total


def worst_overdue(conn: Connection, period: ev.Period, now: datetime, department_scope=None, limit: int = 15,
                  filters=None):
    """Due incidents past their deadline, the longest overdue first (still open ones before late closings);
    `filters`: the drill-down the report was asked for."""
    rows, _ = incidents_behind(conn, period, now, "overdue", filters, department_scope, limit=limit)
    now = _utc(now)
    for r in rows:
        end = r["closed_at"] or now
        r["overdue_seconds"] = max(0.0, (end - r["deadline"]).total_seconds())
    rows.sort(key=lambda r: -r["overdue_seconds"])
    return rows


def air_daily_means(conn: Connection, period: ev.Period, tz_name: str) -> dict[str, dict[str, float]]:
    """{day: {pollutant: mean concentration over every station's readings that day}}: from the roll-ups
    (dashboard.store.rollup_reads), the raw readings only for what is newer than them."""
    from . import rollup_reads
    return rollup_reads.air_daily_means(conn, period.start, period.end, _offset(period))


def air_daily_means_raw(conn: Connection, period: ev.Period, tz_name: str) -> dict[str, dict[str, float]]:
    """The same from the raw readings alone (kept for the retention window only)."""
    e = t.events.c
    pollutant = e.payload["pollutant"].as_string()
    value = e.payload["value"].as_float()
    day = _local_day(conn, e.observed_at, tz_name, _offset(period)).label("day")
    q = (sa.select(day, pollutant.label("p"), sa.func.avg(value))
         .where(e.kind == "air_reading", e.observed_at >= _utc(period.start), e.observed_at < _utc(period.end))
         .group_by(day, pollutant))
    out: dict[str, dict[str, float]] = {}
    for d, p, v in conn.execute(q):
        if p and v is not None:
            out.setdefault(str(d), {})[p] = float(v)
    return out


def congestion_by_hour(conn: Connection, period: ev.Period, tz_name: str) -> list[dict]:
    """[{hour (0–23, local), ratio: mean speed / free-flow speed, readings}] over the period's speeds: from the
    roll-ups (dashboard.store.rollup_reads), the raw readings only for what is newer than them."""
    from . import rollup_reads
    return rollup_reads.congestion_by_hour(conn, period.start, period.end, _offset(period))


def congestion_by_hour_raw(conn: Connection, period: ev.Period, tz_name: str) -> list[dict]:
    """The same from the raw readings alone (kept for the retention window only)."""
    e, s = t.events.c, t.road_segments.c
    off = _offset(period)
    if conn.dialect.name == "sqlite":
        hour = sa.cast(sa.func.strftime("%H", e.observed_at, f"{off:+d} seconds"), sa.Integer)
    else:
        hour = sa.cast(sa.func.extract("hour", sa.func.timezone(tz_name, e.observed_at)), sa.Integer)
    speed = e.payload["speed_kmh"].as_float()
    q = (sa.select(hour.label("h"), sa.func.avg(speed / s.free_flow_kmh), sa.func.count())
         .select_from(t.events.join(t.road_segments, s.id == e.payload["segment_id"].as_string()))
         .where(e.kind == "segment_speed", e.observed_at >= _utc(period.start), e.observed_at < _utc(period.end),
                speed.is_not(None))
         .group_by(hour))
    return [{"hour": int(h), "ratio": float(r), "readings": n} for h, r, n in conn.execute(q) if r is not None]


def days_of(period: ev.Period) -> list[date]:
    return [period.first_day + timedelta(days=n) for n in range(period.days)]


def review_aggregates(store, period: ev.Period, before: ev.Period, now: datetime, dimension: str,
                      tz_name: str, filters=None, department_scope=None, workers: int = 3) -> dict:
    """Everything the review page aggregates for a period, its queries (one scan each) run side by side on
    `workers` connections (read connections, on SQLite too):
    {groups (with "all"), groups_before (with "all"), daily, weekly}. Every read goes through `store.read()`:
    on SQLite they take no write lock, so they neither wait for a writer nor queue behind each other."""
    from concurrent.futures import ThreadPoolExecutor

    from .evaluation import _built_offset, group_and_week_counts, group_counts
    from .evaluation_percentiles import percentile
    from . import incident_rollups
    if not filters and department_scope is None and dimension in incident_rollups.DIMS:
        # the whole city: the per-day roll-ups (issue 20), when they are of the facts' days
        with store.read() as conn:
            offset = incident_rollups.built_offset(conn)
            if offset is not None and offset == _built_offset(conn):
                if conn.dialect.name == "postgresql":
                    return incident_rollups.review_aggregates_side_by_side(store, period, before, now, dimension,
                                                                           offset, workers)
                return incident_rollups.review_aggregates(conn, period, before, now, dimension, offset)

    def read(fn, *args, **kwargs):
        with store.read() as conn:   # on SQLite a deferred BEGIN: never waits for (nor holds up) a writer
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            return fn(conn, *args, **kwargs)

    def p90(conn, name):
        return percentile(conn, Cohorts(conn, period, now), name, filters, department_scope)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="review") as pool:
        groups = pool.submit(read, group_and_week_counts, period, now, dimension, filters, department_scope)
        groups_before = pool.submit(read, group_counts, before, now, dimension, filters, department_scope,
                                    percentiles=False, with_total=True)
        p90s = {name: pool.submit(read, p90, name) for name in ("accept", "close")}
        daily = pool.submit(read, daily_flow, period, tz_name, filters, department_scope)
        result, weekly = groups.result()
        for name, future in p90s.items():
            result["all"][f"{name}_p90"] = future.result()
        return {"groups": result, "groups_before": groups_before.result(), "daily": daily.result(),
                "weekly": weekly}
