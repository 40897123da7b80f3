"""Evaluation figures, aggregated in the database (never by loading every incident).

`incident_facts` holds one narrow row per incident (first dispatch, first acceptance, how often it was
reported fixed, reworked, returned, suspended…), rebuilt incrementally from the incidents whose
`updated_at` moved since the last refresh (every action touches it). The figures are then GROUP BYs over
that table with FILTERed counts; the 90th percentiles use percentile_cont on PostgreSQL and a window
(row_number over the ordered durations) on SQLite. Definitions: dashboard.domain.evaluation.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import evaluation as ev
from dashboard.domain import workflow

from . import as_utc, schema as t, schema_field
from .feeds import _insert

WATERMARK_KEY = "evaluation.facts"
# What the facts hold: facts built by an older release (without a version, or another one) are rebuilt
# whole at the next refresh. 2: first fixed time and the inspectors' checks (revision 0013).
FACTS_VERSION = 2
# Incidents committed a little after others that carry a later updated_at are caught by re-reading
# this much before the watermark (actions are short transactions).
REFRESH_MARGIN = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_DAY = date(1970, 1, 1)
FACT_COLUMNS = ("incident_id", "department", "category", "district", "lat", "lon", "created_at", "deadline",
                "dispatched_at", "accepted_at", "fixed_count", "rework_count", "return_count", "closed_at",
                "accept_seconds", "close_seconds", "accept_bucket", "close_bucket", "created_day", "closed_day",
                "deadline_day",
                "supervised", "suspended", "source_updated_at", "grid_cell",
                "fixed_at", "verify_count", "verify_failed", "verify_seconds")


def _utc(dt: datetime) -> datetime:
    """Bind parameters in UTC: SQLite keeps timestamps as UTC text and compares them as text."""
    return dt.astimezone(timezone.utc)


# -- keeping incident_facts up to date ---------------------------------------------------------
def watermark(conn: Connection) -> datetime | None:
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == WATERMARK_KEY)).scalar()
    return datetime.fromisoformat(value["through"]) if value else None


def _built_offset(conn: Connection) -> int | None:
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == WATERMARK_KEY)).scalar()
    return (value or {}).get("offset_seconds", 0)


def _outdated(conn: Connection) -> bool:
    """Facts there, built by a release whose facts held less (see FACTS_VERSION)."""
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == WATERMARK_KEY)).scalar()
    return value is not None and value.get("version") != FACTS_VERSION


def latest_change(conn: Connection) -> datetime | None:
    return as_utc(conn.execute(sa.select(sa.func.max(t.incidents.c.updated_at))).scalar())


def needs_refresh(conn: Connection, offset_seconds: int = 0) -> bool:
    latest, mark = latest_change(conn), watermark(conn)
    from .incident_rollups import built_offset as rollups_offset
    return latest is not None and (mark is None or latest > mark or _built_offset(conn) != offset_seconds
                                   or rollups_offset(conn) != offset_seconds or _outdated(conn))


def local_day(conn: Connection, column, offset_seconds: int):
    """Days since 1970-01-01 of a timestamp, at the city's UTC offset (an integer; floor)."""
    if conn.dialect.name == "sqlite":
        # whole epoch seconds first (julianday's float is not exact at midnight), then integer days;
        # shifted by 10^6 days so that integer division floors
        seconds = sa.cast(sa.func.round((sa.func.julianday(column) - 2440587.5) * 86400.0), sa.Integer)
        return (seconds + (offset_seconds + 86400 * 1_000_000)) // 86400 - 1_000_000
    return sa.cast(sa.func.floor((sa.func.extract("epoch", column) + offset_seconds) / 86400.0), sa.Integer)


HISTOGRAM_STEPS = 400    # logarithmic buckets per e-fold of a duration: a bucket spans 0.25 %


def log_bucket(conn: Connection, seconds):
    """The histogram bucket of a duration (PostgreSQL; SQLite computes exact percentiles and keeps NULL)."""
    if conn.dialect.name != "postgresql":
        return sa.null()
    return sa.cast(sa.func.floor(sa.func.ln(sa.func.greatest(seconds, 0) + 1) * HISTOGRAM_STEPS), sa.Integer)


def facts_select(conn: Connection, since: datetime | None, offset_seconds: int = 0):
    """incident_facts rows computed in SQL for the incidents changed since `since` (all when None).
    Durations are computed here once, so the figures aggregate plain numbers."""
    i, h = t.incidents.c, t.incident_history.c
    changed = i.updated_at >= _utc(since) if since else sa.true()
    history = (sa.select(
        h.incident_id,
        sa.func.min(h.at).filter(h.action == "dispatch").label("dispatched_at"),
        sa.func.min(h.at).filter(h.action == "accept").label("accepted_at"),
        sa.func.min(h.at).filter(h.action == "report_fixed").label("fixed_at"),
        sa.func.count().filter(h.action == "report_fixed").label("fixed_count"),
        sa.func.count().filter(h.action.in_(ev.REWORK_ACTIONS)).label("rework_count"),
        sa.func.count().filter(h.action == "return").label("return_count"),
        sa.func.count().filter(h.action == ev.SUSPEND_ACTION).label("suspend_count"))
        .where(h.incident_id.in_(sa.select(i.id).where(changed)) if since else sa.true())
        .group_by(h.incident_id).subquery())
    v = schema_field.verification_tasks.c
    done = v.result.in_(("pass", "fail"))
    checks = (sa.select(
        v.incident_id,
        sa.func.count().filter(done).label("verify_count"),
        sa.func.count().filter(v.result == "fail").label("verify_failed"),
        sa.func.sum(seconds_between(conn, v.done_at, v.requested_at)).filter(done).label("verify_seconds"))
        .where(v.incident_id.in_(sa.select(i.id).where(changed)) if since else sa.true())
        .group_by(v.incident_id).subquery())
    zero = sa.literal(0)
    closed = i.status == workflow.CLOSED
    return (sa.select(
        i.id, i.department, i.category, i.district, i.lat, i.lon, i.created_at, i.deadline,
        history.c.dispatched_at, history.c.accepted_at,
        sa.func.coalesce(history.c.fixed_count, zero), sa.func.coalesce(history.c.rework_count, zero),
        sa.func.coalesce(history.c.return_count, zero),
        sa.case((closed, i.closed_at), else_=sa.null()),
        seconds_between(conn, history.c.accepted_at, history.c.dispatched_at),
        sa.case((closed, seconds_between(conn, i.closed_at, i.created_at)), else_=sa.null()),
        log_bucket(conn, seconds_between(conn, history.c.accepted_at, history.c.dispatched_at)),
        sa.case((closed, log_bucket(conn, seconds_between(conn, i.closed_at, i.created_at))), else_=sa.null()),
        local_day(conn, i.created_at, offset_seconds),
        sa.case((closed, local_day(conn, i.closed_at, offset_seconds)), else_=sa.null()),
        local_day(conn, i.deadline, offset_seconds),
        i.supervised, sa.func.coalesce(history.c.suspend_count, zero) > 0, i.updated_at, i.grid_cell,
        history.c.fixed_at, sa.func.coalesce(checks.c.verify_count, zero),
        sa.func.coalesce(checks.c.verify_failed, zero),
        sa.cast(sa.func.coalesce(checks.c.verify_seconds, zero), sa.Float))
        .select_from(t.incidents.outerjoin(history, history.c.incident_id == i.id)
                     .outerjoin(checks, checks.c.incident_id == i.id))
        .where(changed))   # SQLite's upsert needs a WHERE in INSERT … SELECT … ON CONFLICT


def refresh_facts(conn: Connection, full: bool = False, offset_seconds: int = 0) -> int:
    """Bring incident_facts up to date in the caller's transaction; returns the rows written (0: nothing had
    changed; -1: written, the driver does not say how many). `offset_seconds`: the city's UTC offset, for
    the calendar-day columns; when it differs from the one the facts were built with, all are rebuilt."""
    latest, mark = latest_change(conn), None if full else watermark(conn)
    if mark is not None and (_built_offset(conn) != offset_seconds or _outdated(conn)):
        mark = None   # every fact rewritten (and the roll-ups rebuilt from them)
    from . import incident_rollups   # per-day roll-ups of the facts, kept exact alongside (issue 20)
    if conn.dialect.name == "postgresql":   # one refresh at a time: the roll-ups add up what it rewrites
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({incident_rollups.ADVISORY_LOCK}, "
                             "hashtext(current_schema()))")
    if latest is None or (mark is not None and latest <= mark):
        if latest is not None and incident_rollups.built_offset(conn) != offset_seconds:
            incident_rollups.rebuild(conn, offset_seconds)   # e.g. a store from before the roll-ups
        return 0
    since = None if mark is None else mark - REFRESH_MARGIN
    written = incident_rollups.refresh(conn, since, offset_seconds, facts_select, upsert_facts)
    value = {"through": latest.isoformat(), "offset_seconds": offset_seconds, "version": FACTS_VERSION}
    now = datetime.now(timezone.utc)
    updated = conn.execute(t.meta.update().where(t.meta.c.key == WATERMARK_KEY).values(value=value, updated_at=now))
    if updated.rowcount == 0:
        conn.execute(t.meta.insert().values(key=WATERMARK_KEY, value=value, updated_at=now))
    return written


def upsert_facts(conn: Connection, select) -> int:
    """Write the facts rows `select` computes (a facts_select), replacing those there."""
    stmt = _insert(conn, t.incident_facts).from_select(FACT_COLUMNS, select)
    stmt = stmt.on_conflict_do_update(index_elements=["incident_id"],
                                      set_={c: stmt.excluded[c] for c in FACT_COLUMNS if c != "incident_id"})
    return conn.execute(stmt).rowcount


# -- the cohorts and their measures ------------------------------------------------------------
def seconds_between(conn: Connection, later, earlier):
    if conn.dialect.name == "sqlite":   # timestamps are ISO text there
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
    return sa.func.extract("epoch", later - earlier)


class Cohorts:
    """The conditions of one period, shared by the counts, the percentiles and the drill-down."""

    def __init__(self, conn: Connection, period: ev.Period, now: datetime) -> None:
        f = t.incident_facts.c
        start, end, now = _utc(period.start), _utc(period.end), _utc(now)
        self.due_range = sa.and_(f.deadline >= start, f.deadline < end)
        self.due = sa.and_(self.due_range, f.suspended.is_(False))
        self.dispatched = sa.and_(f.dispatched_at >= start, f.dispatched_at < end)
        self.closed = f.closed_at.is_not(None)
        self.on_time = f.closed_at <= f.deadline
        self.overdue = sa.and_(f.deadline < now, sa.or_(f.closed_at.is_(None), f.closed_at > f.deadline))
        self.accepted = f.accepted_at.is_not(None)
        self.accept_seconds = f.accept_seconds
        self.close_seconds = f.close_seconds
        # the disposal cohort (应处置): fell due in the period and before now — first fixed by the deadline
        # (then at that time), else at the deadline (dashboard.domain.evaluation.in_disposal)
        self.disposed = sa.and_(f.fixed_at.is_not(None), sa.or_(f.deadline.is_(None), f.fixed_at <= f.deadline))
        fixed_in = sa.and_(f.fixed_at >= start, f.fixed_at < end)
        self.disposal_due = sa.and_(
            f.dispatched_at.is_not(None), f.suspended.is_(False),
            sa.or_(sa.and_(self.disposed, fixed_in, f.fixed_at < now),
                   sa.and_(sa.not_(self.disposed), self.due_range, f.deadline < now)))
        self.any = sa.or_(self.due_range, self.dispatched, fixed_in)

    def measure(self, name: str):
        """(condition, seconds) of a duration measure."""
        if name == "accept":
            return sa.and_(self.dispatched, self.accepted), self.accept_seconds
        return sa.and_(self.due, self.closed), self.close_seconds


def filters_clause(filters: dict[str, str] | None, department_scope: str | None):
    """Drill-down filters ({dimension: value}) and the operator's department, on incident_facts."""
    f = t.incident_facts.c
    where = [f.department == department_scope] if department_scope is not None else []
    for dim, value in (filters or {}).items():
        if dim not in ev.ALL_DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        where.append(getattr(f, dim) == value)
    return sa.and_(sa.true(), *where)


def _flags(c: Cohorts, group, where):
    """One row per fact with its cohort flags computed once (OFFSET 0 keeps PostgreSQL from folding the
    subquery back in and evaluating each condition again in every aggregate)."""
    f = t.incident_facts.c
    return (sa.select(
        group.label("grp"), c.due.label("due"), sa.and_(c.due_range, f.suspended.is_(True)).label("susp"),
        c.dispatched.label("disp"), c.closed.label("closed"), c.on_time.label("on_time"),
        c.overdue.label("overdue"), f.supervised.label("sup"), f.deadline_day.label("deadline_day"),
        (f.fixed_count > 0).label("fixed"), (f.rework_count > 0).label("rework"), (f.return_count > 0).label("ret"), c.accepted.label("acc"),
        f.accept_seconds.label("acc_s"), f.close_seconds.label("close_s"),
        c.disposal_due.label("dsp_due"), c.disposed.label("dsp_ok"),
        f.verify_count.label("v_n"), f.verify_failed.label("v_fail"), f.verify_seconds.label("v_s"))
        .where(where).offset(0).subquery())


def _counts_columns(x):
    count = sa.func.count
    accept_when = sa.and_(x.c.disp, x.c.acc)
    close_when = sa.and_(x.c.due, x.c.closed)
    return [
        count().filter(x.c.due).label("due"),
        count().filter(x.c.susp).label("suspended"),
        count().filter(close_when).label("closed"),
        count().filter(x.c.due, x.c.on_time).label("closed_on_time"),
        count().filter(x.c.due, x.c.overdue).label("overdue"),
        count().filter(x.c.due, x.c.sup).label("supervised"),
        count().filter(x.c.disp).label("dispatched"),
        count().filter(x.c.disp, x.c.fixed).label("fixed"),
        count().filter(x.c.disp, x.c.fixed, x.c.rework).label("reworked"),
        count().filter(x.c.disp, x.c.ret).label("returned"),
        count().filter(x.c.dsp_due).label("disposal_due"),
        count().filter(x.c.dsp_due, x.c.dsp_ok).label("disposed"),
        sa.func.coalesce(sa.func.sum(x.c.v_n).filter(x.c.disp), 0).label("verify_n"),
        sa.func.coalesce(sa.func.sum(x.c.v_fail).filter(x.c.disp), 0).label("verify_failed"),
        (sa.func.sum(x.c.v_s).filter(x.c.disp)
         / sa.func.nullif(sa.func.sum(x.c.v_n).filter(x.c.disp), 0)).label("verify_mean"),
        count().filter(accept_when).label("accept_n"),
        sa.func.avg(x.c.acc_s).filter(accept_when).label("accept_mean"),
        count().filter(close_when).label("close_n"),
        sa.func.avg(x.c.close_s).filter(close_when).label("close_mean"),
    ]


def merged(groups: dict[str, dict]) -> dict:
    """The whole selection from its groups: counts add up, means weighted by their counts (exact)."""
    total = {k: sum(g.get(k) or 0 for g in groups.values()) for k in ev.COUNT_KEYS
             if not k.endswith(("_mean", "_p90"))}
    for name in ("accept", "close", "verify"):
        n = total[f"{name}_n"]
        total[f"{name}_mean"] = (sum((g[f"{name}_mean"] or 0) * g[f"{name}_n"] for g in groups.values()) / n
                                 if n else None)
        if name != "verify":
            total[f"{name}_p90"] = None
    return total


def _nonzero(groups: dict[str, dict]) -> dict[str, dict]:
    """Groups of the period only: a case first fixed in the period but due for disposal in another one is
    read by the scan (fixed_at in the period) yet counts in none of its figures."""
    return {g: c for g, c in groups.items() if any(v for k, v in c.items() if not k.endswith(("_mean", "_p90")))}


def _counts(row) -> dict:
    counts = {k: row._mapping.get(k) for k in ev.COUNT_KEYS}
    for k in ("accept_mean", "close_mean", "accept_p90", "close_p90", "verify_mean"):
        counts[k] = float(counts[k]) if counts[k] is not None else None
    return counts


def group_counts(conn: Connection, period: ev.Period, now: datetime, dimension: str | None = None,
                 filters: dict[str, str] | None = None, department_scope: str | None = None,
                 percentiles: bool = True, with_total: bool = False) -> dict[str, dict]:
    """{group value: the counts of ev.COUNT_KEYS} in one scan; "all" for the whole selection (no
    `dimension`, or `with_total`: added up from the groups). Percentiles, of the whole selection only,
    come from a second query."""
    if dimension is not None and dimension not in ev.ALL_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if conn.dialect.name == "postgresql":   # sorts and hashes of a year's facts fit in memory
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    f = t.incident_facts.c
    c = Cohorts(conn, period, now)
    where = sa.and_(c.any, filters_clause(filters, department_scope))
    x = _flags(c, getattr(f, dimension) if dimension else sa.literal("all"), where)
    if dimension is None:
        out = {"all": _counts(conn.execute(sa.select(*_counts_columns(x))).one())}
    else:
        q = sa.select(x.c.grp, *_counts_columns(x)).group_by(x.c.grp)
        out = _nonzero({(str(row.grp) if row.grp is not None else ""): _counts(row) for row in conn.execute(q)})
        if with_total:
            out["all"] = merged(out)
    if percentiles and "all" in out:
        from .evaluation_percentiles import total_percentiles
        out["all"].update(total_percentiles(conn, c, filters, department_scope))
    return out


def group_and_week_counts(conn: Connection, period: ev.Period, now: datetime, dimension: str,
                          filters: dict[str, str] | None = None,
                          department_scope: str | None = None) -> tuple[dict[str, dict], list[dict]]:
    """The breakdown (with "all") and the on-time rate per week of the deadline, from one scan grouped by
    (group, week): the groups add up over the weeks, the weeks over the groups."""
    if dimension not in ev.ALL_DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    f = t.incident_facts.c
    c = Cohorts(conn, period, now)
    x = _flags(c, getattr(f, dimension), sa.and_(c.any, filters_clause(filters, department_scope)))
    week = ((x.c.deadline_day + 3) // 7).label("week")   # 1970-01-01 was a Thursday: weeks start on Monday
    q = sa.select(x.c.grp, week, *_counts_columns(x)).group_by(x.c.grp, week)
    cells: dict[str, dict[int | None, dict]] = {}
    for row in conn.execute(q):
        grp = str(row.grp) if row.grp is not None else ""
        cells.setdefault(grp, {})[row.week] = _counts(row)
    groups = _nonzero({grp: merged(by_week) for grp, by_week in cells.items()})
    groups["all"] = merged(groups)
    weeks: dict[int, list[int]] = {}
    for by_week in cells.values():
        for w, counts in by_week.items():
            if w is not None and counts["due"]:
                due_ok = weeks.setdefault(int(w), [0, 0])
                due_ok[0] += counts["due"]
                due_ok[1] += counts["closed_on_time"]
    weekly = [{"week": (EPOCH_DAY + timedelta(days=w * 7 - 3)).isoformat(), "due": n, "on_time": k,
               "rate": k / n} for w, (n, k) in sorted(weeks.items())]
    return groups, weekly
