"""Per-day roll-ups of `incident_facts` for the review figures: for every city day and every department,
category and district, the counts of the review's cohorts (due by the deadline's day, dispatched by the
first dispatch's day, created, closed) and the sums of the durations; per day, log-histograms of the two
durations city-wide (for the 90th percentiles).

Kept exact as incidents change: `refresh_facts` subtracts the rows of the incidents it is about to
rewrite and adds them back once rewritten (an upsert that adds, in the same transaction), so a year of
figures adds up a few hundred rows per day instead of reading every incident. Built from scratch when
missing or when the city's UTC offset changed. Figures filtered to a department, category or district
(the drill-down) read `incident_facts` as before: the roll-ups carry one dimension at a time."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dashboard.domain import evaluation as ev

from . import schema as t, schema_retention as rt
from .evaluation import EPOCH_DAY, HISTOGRAM_STEPS, local_day
from .feeds import _insert

STATE_KEY = "evaluation.day_rollups"
DIMS = ("department", "category", "district")
FLOW_BASES = ("in", "out")          # also kept for the whole city (dim "all"), for the daily flow
WEEK_BASES = ("due", "disp", "fix")        # also kept per week (basis + "w", day = the week's Monday), as are the
WEEK = "w"                          # histograms (measure + "w"): a year adds up 52 weeks, not 365 days


def week_of(day: int) -> int:
    """The Monday of a day's week (1970-01-01, day 0, was a Thursday)."""
    return day - (day + 3) % 7
COUNTS = ("n", "suspended", "closed", "on_time", "late", "supervised", "fixed", "reworked", "returned", "accepted",
          "accept_sum", "close_sum", "verified", "verify_failed", "verify_sum")
AT = {c: k for k, c in enumerate(COUNTS)}
FLOATS = ("accept_sum", "close_sum", "verify_sum")


def _zeros() -> list:
    return [0.0 if c in FLOATS else 0 for c in COUNTS]


def disposal(conn: Connection, f, offset_seconds: int):
    """(disposed on time, the city day the case fell due for disposal, the condition of the "fix" basis) of
    facts `f` (dashboard.domain.evaluation.in_disposal): first fixed by the deadline (that day), else the
    deadline's day; dispatched and not suspended."""
    disposed = sa.and_(f.fixed_at.is_not(None), sa.or_(f.deadline.is_(None), f.fixed_at <= f.deadline))
    day = sa.case((disposed, local_day(conn, f.fixed_at, offset_seconds)), else_=f.deadline_day)
    where = sa.and_(f.dispatched_at.is_not(None), f.suspended.is_(False),
                    sa.or_(disposed, f.deadline_day.is_not(None)))
    return disposed, day, where


# -- state ------------------------------------------------------------------------------------------
def built_offset(conn: Connection) -> int | None:
    value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == STATE_KEY)).scalar()
    return None if value is None else int(value.get("offset_seconds", 0))


def _set_built(conn: Connection, offset_seconds: int) -> None:
    now = datetime.now(timezone.utc)
    value = {"offset_seconds": offset_seconds}
    if conn.execute(t.meta.update().where(t.meta.c.key == STATE_KEY).values(value=value, updated_at=now)).rowcount == 0:
        conn.execute(t.meta.insert().values(key=STATE_KEY, value=value, updated_at=now))


# -- building ---------------------------------------------------------------------------------------
def _bucket(conn: Connection, seconds):
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.floor(sa.func.ln(sa.func.greatest(seconds, 0) + 1) * HISTOGRAM_STEPS), sa.Integer)
    # x >= 0: the cast floors (and NULL stays NULL; the driver's floor() would fail on it)
    return sa.cast(sa.func.ln(sa.func.max(seconds, 0) + 1) * HISTOGRAM_STEPS, sa.Integer)


def _selects(conn: Connection, facts, sign: int, offset_seconds: int):
    """SELECTs of roll-up rows (basis, day, dim, value, counts…) over `facts` (a selectable shaped like
    incident_facts), each count multiplied by `sign`."""
    f = facts.c
    count = sa.func.count
    zero = sa.literal(0)
    s = sa.literal(sign)

    def n(cond=None):
        return s * (count().filter(cond) if cond is not None else count())

    def total(x, cond):
        return s * sa.func.coalesce(sa.func.sum(x).filter(cond), 0.0)
    active = f.suspended.is_(False)
    closed = sa.and_(active, f.closed_at.is_not(None))
    fixed = f.fixed_count > 0
    accepted = f.accepted_at.is_not(None)
    disp_day = local_day(conn, f.dispatched_at, offset_seconds)
    disposed, fix_day, fix_where = disposal(conn, f, offset_seconds)
    bases = {
        "due": (f.deadline_day, f.deadline_day.is_not(None), {
            "n": n(active), "suspended": n(f.suspended.is_(True)), "closed": n(closed),
            "on_time": n(sa.and_(active, f.closed_at <= f.deadline)),
            "late": n(sa.and_(active, sa.or_(f.closed_at.is_(None), f.closed_at > f.deadline))),
            "supervised": n(sa.and_(active, f.supervised.is_(True))),
            "close_sum": total(f.close_seconds, closed)}),
        "disp": (disp_day, f.dispatched_at.is_not(None), {
            "n": n(), "fixed": n(fixed), "reworked": n(sa.and_(fixed, f.rework_count > 0)),
            "returned": n(f.return_count > 0), "accepted": n(accepted),
            "accept_sum": total(f.accept_seconds, accepted),
            "verified": s * sa.func.coalesce(sa.func.sum(f.verify_count), 0),
            "verify_failed": s * sa.func.coalesce(sa.func.sum(f.verify_failed), 0),
            "verify_sum": s * sa.func.coalesce(sa.func.sum(f.verify_seconds), 0.0)}),
        "fix": (fix_day, fix_where, {"n": n(), "fixed": n(disposed)}),
        "in": (f.created_day, f.created_day.is_not(None), {"n": n()}),
        "out": (f.closed_day, f.closed_day.is_not(None), {"n": n()}),
    }
    out = []
    for basis, (day, where, cols) in bases.items():
        for dim in DIMS + (("all",) if basis in FLOW_BASES else ()):
            value = sa.func.coalesce(getattr(f, dim), "") if dim != "all" else sa.literal("")
            out.append(sa.select(
                sa.literal(basis).label("basis"), day.label("day"), sa.literal(dim).label("dim"), value.label("value"),
                *[(cols.get(c, zero if c not in FLOATS else sa.literal(0.0))).label(c) for c in COUNTS])
                .where(where).group_by(day, value))
    acc_b, close_b = _bucket(conn, f.accept_seconds), _bucket(conn, f.close_seconds)
    buckets = [
        sa.select(sa.literal("accept").label("measure"), disp_day.label("day"), acc_b.label("bucket"),
                  n().label("n"))
        .where(f.dispatched_at.is_not(None), accepted, f.accept_seconds.is_not(None))
        .group_by(disp_day, acc_b),
        sa.select(sa.literal("close").label("measure"), f.deadline_day.label("day"), close_b.label("bucket"),
                  n().label("n"))
        .where(f.deadline_day.is_not(None), closed, f.close_seconds.is_not(None))
        .group_by(f.deadline_day, close_b),
    ]
    return out, buckets


def _add(conn: Connection, facts, sign: int, offset_seconds: int) -> None:
    rows, buckets = _selects(conn, facts, sign, offset_seconds)
    r = rt.incident_day_rollups
    union = sa.union_all(*rows).subquery()
    stmt = _insert(conn, r).from_select(("basis", "day", "dim", "value", *COUNTS),
                                        sa.select(union).where(sa.true()))   # WHERE: SQLite's upsert parser
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["basis", "day", "dim", "value"], set_={c: r.c[c] + stmt.excluded[c] for c in COUNTS}))
    b = rt.incident_day_buckets
    union = sa.union_all(*buckets).subquery()
    stmt = _insert(conn, b).from_select(("measure", "day", "bucket", "n"), sa.select(union).where(sa.true()))
    conn.execute(stmt.on_conflict_do_update(index_elements=["measure", "day", "bucket"],
                                            set_={"n": b.c.n + stmt.excluded.n}))


def rebuild(conn: Connection, offset_seconds: int) -> None:
    """From scratch, from every fact."""
    conn.execute(rt.incident_day_rollups.delete())
    conn.execute(rt.incident_day_buckets.delete())
    _add(conn, t.incident_facts, 1, offset_seconds)
    r, b = rt.incident_day_rollups, rt.incident_day_buckets
    week = (r.c.day - (r.c.day + 3) % 7).label("day")
    conn.execute(r.insert().from_select(("basis", "day", "dim", "value", *COUNTS), sa.select(
        r.c.basis + WEEK, week, r.c.dim, r.c.value, *[sa.func.sum(r.c[c]) for c in COUNTS])
        .where(r.c.basis.in_(WEEK_BASES)).group_by(r.c.basis, week, r.c.dim, r.c.value)))
    week = (b.c.day - (b.c.day + 3) % 7).label("day")
    conn.execute(b.insert().from_select(("measure", "day", "bucket", "n"), sa.select(
        b.c.measure + WEEK, week, b.c.bucket, sa.func.sum(b.c.n))
        .where(b.c.measure.in_(("accept", "close"))).group_by(b.c.measure, week, b.c.bucket)))
    _set_built(conn, offset_seconds)


ADVISORY_LOCK = 2010   # with the schema's hash: one refresh at a time per store
# Above this many durations the city-wide 90th percentile comes off the roll-ups' histograms (a bucket spans
# 0.25 %, dense enough by then) instead of reading the facts to compute it exactly.
HISTOGRAM_FROM = 50_000
CHUNK = 5000


def refresh(conn: Connection, since: datetime | None, offset_seconds: int, facts_select, upsert_facts) -> int:
    """Rewrite the facts of the incidents changed since `since` (all when None) and keep the roll-ups exact:
    for each chunk of those incidents, their facts rows are subtracted, rewritten, and added back. Built
    from scratch when there are no roll-ups yet (or for another UTC offset) or every fact is rewritten."""
    if since is None or built_offset(conn) != offset_seconds:
        written = upsert_facts(conn, facts_select(conn, since, offset_seconds))
        rebuild(conn, offset_seconds)
        return written
    i = t.incidents.c
    # no ORDER BY: SQLite would walk the primary key instead of the updated_at index
    ids = sorted(conn.execute(sa.select(i.id).where(i.updated_at >= since.astimezone(timezone.utc))).scalars())
    written = 0
    for k in range(0, len(ids), CHUNK):
        chunk = ids[k:k + CHUNK]
        before = contributions(conn, chunk, offset_seconds)
        n = upsert_facts(conn, facts_select(conn, since, offset_seconds).where(i.id.in_(chunk)))
        written = -1 if n < 0 or written < 0 else written + n
        apply_delta(conn, before, contributions(conn, chunk, offset_seconds))
    return written


def contributions(conn: Connection, ids: list[int], offset_seconds: int) -> tuple[dict, dict]:
    """What the facts of `ids` add to the roll-ups, as ({(basis, day, dim, value): counts}, {(measure, day,
    bucket): n}); the conditions are evaluated in SQL exactly as `_selects` evaluates them."""
    f = t.incident_facts.c
    active = f.suspended.is_(False)
    closed = sa.and_(active, f.closed_at.is_not(None))
    disposed, fix_day, fix_where = disposal(conn, f, offset_seconds)
    q = sa.select(
        f.department, f.category, f.district, f.deadline_day, f.created_day, f.closed_day,
        local_day(conn, f.dispatched_at, offset_seconds).label("disp_day"), f.dispatched_at.is_not(None),
        active, f.suspended.is_(True), closed, sa.and_(active, f.closed_at <= f.deadline),
        sa.and_(active, sa.or_(f.closed_at.is_(None), f.closed_at > f.deadline)),
        sa.and_(active, f.supervised.is_(True)), f.fixed_count > 0, f.rework_count > 0, f.return_count > 0,
        f.accepted_at.is_not(None), f.accept_seconds, f.close_seconds,
        _bucket(conn, f.accept_seconds), _bucket(conn, f.close_seconds),
        fix_where, fix_day, disposed, f.verify_count, f.verify_failed, f.verify_seconds).where(f.incident_id.in_(ids))
    rows: dict[tuple, list] = {}
    buckets: dict[tuple, int] = {}

    def cell(basis, day, values):
        day = int(day)
        for dim, value in zip(DIMS, values):
            yield rows.setdefault((basis, day, dim, value or ""), _zeros())
            if basis in WEEK_BASES:
                yield rows.setdefault((basis + WEEK, week_of(day), dim, value or ""), _zeros())
        if basis in FLOW_BASES:
            yield rows.setdefault((basis, day, "all", ""), _zeros())

    def bump(measure, day, bucket):
        for key in ((measure, int(day), int(bucket)), (measure + WEEK, week_of(int(day)), int(bucket))):
            buckets[key] = buckets.get(key, 0) + 1
    for (dep, cat, dis, due_day, in_day, out_day, disp_day, dispatched, act, susp, cl, on_time, late, sup, fixed,
         rework, ret, acc, acc_s, close_s, acc_b, close_b, fix_due, fix_d, fix_ok, v_n, v_fail, v_s) in conn.execute(q):
        values = (dep, cat, dis)
        if due_day is not None:
            for c in cell("due", due_day, values):
                c[AT["n"]] += bool(act)
                c[AT["suspended"]] += bool(susp)
                c[AT["closed"]] += bool(cl)
                c[AT["on_time"]] += bool(on_time)
                c[AT["late"]] += bool(late)
                c[AT["supervised"]] += bool(sup)
                c[AT["close_sum"]] += (close_s or 0.0) if cl else 0.0
            if cl and close_s is not None:
                bump("close", due_day, close_b)
        if dispatched:
            for c in cell("disp", disp_day, values):
                c[AT["n"]] += 1
                c[AT["fixed"]] += bool(fixed)
                c[AT["reworked"]] += bool(fixed and rework)
                c[AT["returned"]] += bool(ret)
                c[AT["accepted"]] += bool(acc)
                c[AT["accept_sum"]] += (acc_s or 0.0) if acc else 0.0
                c[AT["verified"]] += v_n or 0
                c[AT["verify_failed"]] += v_fail or 0
                c[AT["verify_sum"]] += v_s or 0.0
            if acc and acc_s is not None:
                bump("accept", disp_day, acc_b)
        if fix_due:
            for c in cell("fix", fix_d, values):
                c[AT["n"]] += 1
                c[AT["fixed"]] += bool(fix_ok)
        for basis, day in (("in", in_day), ("out", out_day)):
            if day is not None:
                for c in cell(basis, day, values):
                    c[AT["n"]] += 1
    return rows, buckets


def apply_delta(conn: Connection, before: tuple[dict, dict], after: tuple[dict, dict]) -> None:
    """Add `after` minus `before` to the roll-ups (only the cells that moved)."""
    (rows0, b0), (rows1, b1) = before, after
    delta = []
    for key in rows0.keys() | rows1.keys():
        old, new = rows0.get(key, _zeros()), rows1.get(key, _zeros())
        d = [y - x for x, y in zip(old, new)]
        if any(d):
            delta.append(dict(zip(("basis", "day", "dim", "value"), key)) | dict(zip(COUNTS, d)))
    if delta:
        r = rt.incident_day_rollups
        stmt = _insert(conn, r)
        conn.execute(stmt.on_conflict_do_update(index_elements=["basis", "day", "dim", "value"],
                                                set_={c: r.c[c] + stmt.excluded[c] for c in COUNTS}), delta)
    moved = [{"measure": k[0], "day": k[1], "bucket": k[2], "n": b1.get(k, 0) - b0.get(k, 0)}
             for k in b0.keys() | b1.keys() if b1.get(k, 0) != b0.get(k, 0)]
    if moved:
        b = rt.incident_day_buckets
        stmt = _insert(conn, b)
        conn.execute(stmt.on_conflict_do_update(index_elements=["measure", "day", "bucket"],
                                                set_={"n": b.c.n + stmt.excluded.n}), moved)


def changed_facts(ids_select):
    """incident_facts of the incidents `ids_select` names, as a selectable."""
    f = t.incident_facts
    return sa.select(f).where(f.c.incident_id.in_(ids_select)).subquery("changed")


def subtract(conn: Connection, ids_select, offset_seconds: int) -> None:
    _add(conn, changed_facts(ids_select), -1, offset_seconds)


def add(conn: Connection, ids_select, offset_seconds: int) -> None:
    _add(conn, changed_facts(ids_select), 1, offset_seconds)


# -- reading ----------------------------------------------------------------------------------------
def day_number(day) -> int:
    return (day - EPOCH_DAY).days


def usable(conn: Connection, offset_seconds: int, filters=None, department_scope=None) -> bool:
    return not filters and department_scope is None and built_offset(conn) == offset_seconds


def spans(first: int, last: int, today: int) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """[first, last] as (day ranges read day by day, (first Monday, last Monday) of the whole weeks read
    per week). Only weeks that end before today are read whole (today's overdue needs its days)."""
    w0 = first + (-(first + 3)) % 7
    limit = min(last, today - 1) - 6
    w1 = limit - (limit + 3) % 7
    if w1 < w0:
        return [(first, last)], None
    return [r for r in ((first, w0 - 1), (w1 + 7, last)) if r[0] <= r[1]], (w0, w1)


def _parts(day, basis, names: tuple[str, ...], first: int, last: int, today: int) -> list:
    """One condition per stretch (each a range scan of the primary key; OR-ed together they would not be)."""
    days, weeks = spans(first, last, today)
    parts = [sa.and_(basis.in_(names), day.between(a, b)) for a, b in days]
    if weeks:
        parts.append(sa.and_(basis.in_([n + WEEK for n in names]), day.between(*weeks)))
    return parts


def today_number(now: datetime, offset_seconds: int) -> int:
    return int((now.astimezone(timezone.utc).timestamp() + offset_seconds) // 86400)


def group_counts(conn: Connection, period: ev.Period, now: datetime, dimension: str, offset_seconds: int,
                 weekly: bool = False):
    """{group: counts of ev.COUNT_KEYS} plus "all" (and, with `weekly`, the on-time rate per week of the
    deadline) for the whole city, from the roll-ups. Overdue: not closed by the deadline, for deadlines
    before today; today's from the facts (deadline before `now`); none after. A period cut in the middle of
    its last day (to date, and the same span before it) reads that day's part from the facts."""
    r = rt.incident_day_rollups.c
    first, last = day_number(period.first_day), day_number(period.last_day)
    cut = _cut_part(period)
    if cut is not None:
        last -= 1
    today = today_number(now, offset_seconds)
    sums = [sa.func.sum(getattr(r, c)).label(c) for c in COUNTS]
    late_before_today = sa.func.sum(sa.case((r.day < today, r.late), else_=0)).label("late_past")
    # disposal: only what fell due before today (today's from the facts, up to now; none after)
    fix_past = [sa.func.sum(sa.case((r.day < today, getattr(r, c)), else_=0)).label(f"{c}_past")
                for c in ("n", "fixed")]
    week = ((r.day + 3) // 7).label("week")
    found = []
    for part in _parts(r.day, r.basis, WEEK_BASES, first, last, today):
        found += conn.execute(sa.select(r.basis, r.value, week, late_before_today, *fix_past, *sums)
                              .where(part, r.dim == dimension).group_by(r.basis, r.value, week)).all()
    groups: dict[str, dict] = {}
    weeks: dict[int, list[int]] = {}
    for row in found:
        g = groups.setdefault(row.value, _empty())
        if row.basis.startswith("due"):
            g.update(due=g["due"] + row.n, suspended=g["suspended"] + row.suspended, closed=g["closed"] + row.closed,
                     closed_on_time=g["closed_on_time"] + row.on_time, supervised=g["supervised"] + row.supervised,
                     overdue=g["overdue"] + row.late_past, close_n=g["close_n"] + row.closed,
                     _close_sum=g["_close_sum"] + row.close_sum)
            w = weeks.setdefault(int(row.week), [0, 0])
            w[0] += row.n
            w[1] += row.on_time
        elif row.basis.startswith("fix"):
            g.update(disposal_due=g["disposal_due"] + row.n_past, disposed=g["disposed"] + row.fixed_past)
        else:
            g.update(dispatched=g["dispatched"] + row.n, fixed=g["fixed"] + row.fixed,
                     reworked=g["reworked"] + row.reworked, returned=g["returned"] + row.returned,
                     accept_n=g["accept_n"] + row.accepted, _accept_sum=g["_accept_sum"] + row.accept_sum,
                     verify_n=g["verify_n"] + row.verified, verify_failed=g["verify_failed"] + row.verify_failed,
                     _verify_sum=g["_verify_sum"] + row.verify_sum)
    if first <= today <= last:   # today's deadlines already past
        f = t.incident_facts.c
        nowu = now.astimezone(timezone.utc)
        value = sa.func.coalesce(getattr(f, dimension), "")
        q = (sa.select(value, sa.func.count())
             .where(f.deadline_day == today, f.suspended.is_(False), f.deadline < nowu,
                    sa.or_(f.closed_at.is_(None), f.closed_at > f.deadline))
             .group_by(value))
        for value, k in conn.execute(q):
            groups.setdefault(value, _empty())["overdue"] += k
        for value, k, ok in conn.execute(_disposal_today(conn, period, now, today, offset_seconds, dimension)):
            g = groups.setdefault(value, _empty())
            g["disposal_due"] += k
            g["disposed"] += ok
    if cut is not None:
        _add_facts(groups, weeks, conn, cut, now, dimension)
    out = {g: _finish(c) for g, c in groups.items()}
    total = _empty()
    for c in groups.values():
        for k in total:
            total[k] += c[k]
    out["all"] = _finish(total)
    if not weekly:
        return out
    rows = [{"week": (EPOCH_DAY + timedelta(days=w * 7 - 3)).isoformat(), "due": int(n), "on_time": int(k),
             "rate": k / n} for w, (n, k) in sorted(weeks.items()) if n]
    return out, rows


def _cut_part(period: ev.Period) -> ev.Period | None:
    """The part of the period's last day it covers, when it ends before that day does (to date)."""
    tz = period.start.tzinfo
    day_start = datetime.combine(period.last_day, time(0), tz)
    if period.end == datetime.combine(period.last_day + timedelta(days=1), time(0), tz):
        return None
    return ev.Period(period.kind, max(day_start, period.start), max(period.end, period.start), period.last_day,
                     period.last_day, True)


def _add_facts(groups: dict, weeks: dict, conn: Connection, part: ev.Period, now: datetime, dimension: str) -> None:
    """Add the counts of `part` (one day's part) from incident_facts to the roll-ups' `groups` and `weeks`."""
    from .evaluation import group_counts as facts_counts
    found = facts_counts(conn, part, now, dimension, percentiles=False)
    week = (day_number(part.first_day) + 3) // 7
    for value, c in found.items():
        g = groups.setdefault(value, _empty())
        for k in g:
            if not k.startswith("_"):
                g[k] += c.get(k) or 0
        for name in ("accept", "close", "verify"):
            g[f"_{name}_sum"] += (c.get(f"{name}_mean") or 0.0) * (c.get(f"{name}_n") or 0)
        if c.get("due"):
            w = weeks.setdefault(week, [0, 0])
            w[0] += c["due"]
            w[1] += c["closed_on_time"]


def _disposal_today(conn: Connection, period: ev.Period, now: datetime, today: int, offset_seconds: int,
                    dimension: str):
    """(group, due for disposal, disposed) of what fell due for disposal today before `now` (and within the
    period), from the facts, by the same rule as the facts path (dashboard.store.evaluation.Cohorts)."""
    from .evaluation import Cohorts
    f = t.incident_facts.c
    c = Cohorts(conn, period, now)
    midnight = datetime.fromtimestamp(today * 86400 - offset_seconds, timezone.utc)
    today_only = sa.or_(sa.and_(c.disposed, f.fixed_at >= midnight),
                        sa.and_(sa.not_(c.disposed), f.deadline >= midnight))
    value = sa.func.coalesce(getattr(f, dimension), "")
    # the index on fixed_at or deadline finds today's few rows
    near = sa.or_(f.fixed_at >= midnight, f.deadline >= midnight)
    return (sa.select(value, sa.func.count(), sa.func.count().filter(c.disposed))
            .where(near, c.disposal_due, today_only).group_by(value))


def _empty() -> dict:
    return {k: 0 for k in ("due", "suspended", "closed", "closed_on_time", "overdue", "supervised", "dispatched",
                           "fixed", "reworked", "returned", "disposal_due", "disposed", "accept_n", "close_n",
                           "verify_n", "verify_failed")} | {"_accept_sum": 0.0, "_close_sum": 0.0, "_verify_sum": 0.0}


def _finish(c: dict) -> dict:
    out = {k: int(v) for k, v in c.items() if not k.startswith("_")}
    out["accept_mean"] = c["_accept_sum"] / c["accept_n"] if c["accept_n"] else None
    out["close_mean"] = c["_close_sum"] / c["close_n"] if c["close_n"] else None
    out["verify_mean"] = c["_verify_sum"] / c["verify_n"] if c["verify_n"] else None
    out["accept_p90"] = out["close_p90"] = None
    return out


def daily_flow(conn: Connection, period: ev.Period) -> list[dict]:
    r = rt.incident_day_rollups.c
    first, last = day_number(period.first_day), day_number(period.last_day)
    out = {n: {"created": 0, "closed": 0} for n in range(first, last + 1)}
    q = (sa.select(r.basis, r.day, r.n).where(r.dim == "all", r.basis.in_(FLOW_BASES), r.day.between(first, last)))
    for basis, d, n in conn.execute(q):
        out[int(d)]["created" if basis == "in" else "closed"] += int(n)
    return [{"day": (EPOCH_DAY + timedelta(days=n)).isoformat(), **v} for n, v in out.items()]


def histogram(conn: Connection, period: ev.Period, measure: str, today: int) -> list[tuple[int, int]]:
    b = rt.incident_day_buckets.c
    first, last = day_number(period.first_day), day_number(period.last_day)
    counts: dict[int, int] = {}
    for part in _parts(b.day, b.measure, (measure,), first, last, today):
        for x, k in conn.execute(sa.select(b.bucket, sa.func.sum(b.n)).where(part).group_by(b.bucket)):
            counts[int(x)] = counts.get(int(x), 0) + int(k)
    return [(x, k) for x, k in sorted(counts.items()) if k]


def _nonzero(groups: dict[str, dict]) -> dict[str, dict]:
    """Groups whose rows all came to zero (their incidents moved elsewhere) are not groups of the period."""
    return {g: c for g, c in groups.items() if g == "all" or any(
        v for k, v in c.items() if not k.endswith(("_mean", "_p90")))}


def review_aggregates(conn: Connection, period: ev.Period, before: ev.Period, now: datetime, dimension: str,
                      offset_seconds: int) -> dict:
    """What dashboard.store.evaluation_trends.review_aggregates returns, for the whole city, from the roll-ups:
    {groups (with "all"), groups_before (with "all"), daily, weekly}. The 90th percentiles: exact from the
    facts for up to HISTOGRAM_FROM durations, above that off the roll-ups' histograms (within 0.25 %)."""
    from .evaluation import Cohorts
    from .evaluation_percentiles import EXACT_PERCENTILE_LIMIT, _walk, percentile
    groups, weekly = group_counts(conn, period, now, dimension, offset_seconds, weekly=True)
    groups_before = group_counts(conn, before, now, dimension, offset_seconds)
    total = groups["all"]
    for name in ("accept", "close"):
        n = total[f"{name}_n"]
        if not n:
            continue
        if n > min(EXACT_PERCENTILE_LIMIT, HISTOGRAM_FROM):
            buckets = histogram(conn, period, name, today_number(now, offset_seconds))
            total[f"{name}_p90"] = _walk(buckets, sum(k for _, k in buckets))
        else:
            total[f"{name}_p90"] = percentile(conn, Cohorts(conn, period, now), name, None, None)
    return {"groups": _nonzero(groups), "groups_before": _nonzero(groups_before), "daily": daily_flow(conn, period),
            "weekly": weekly}


def review_aggregates_side_by_side(store, period: ev.Period, before: ev.Period, now: datetime, dimension: str,
                                   offset_seconds: int, workers: int = 3) -> dict:
    """review_aggregates with its reads on `workers` connections at once (PostgreSQL)."""
    from concurrent.futures import ThreadPoolExecutor

    from .evaluation import Cohorts
    from .evaluation_percentiles import EXACT_PERCENTILE_LIMIT, _walk, percentile
    today = today_number(now, offset_seconds)

    def read(fn, *args, **kwargs):
        with store.read() as conn:
            return fn(conn, *args, **kwargs)

    def p90(conn, name, n):
        if n > min(EXACT_PERCENTILE_LIMIT, HISTOGRAM_FROM):
            buckets = histogram(conn, period, name, today)
            return _walk(buckets, sum(k for _, k in buckets))
        return percentile(conn, Cohorts(conn, period, now), name, None, None)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="review") as pool:
        current = pool.submit(read, group_counts, period, now, dimension, offset_seconds, weekly=True)
        previous = pool.submit(read, group_counts, before, now, dimension, offset_seconds)
        daily = pool.submit(read, daily_flow, period)
        # the histograms are read while the counts are (their sizes known only then: a large period reads them)
        large = (period.days >= 7)
        hist = {name: pool.submit(read, histogram, period, name, today) for name in ("accept", "close")} if large else {}
        groups, weekly = current.result()
        total = groups["all"]
        for name in ("accept", "close"):
            n = total[f"{name}_n"]
            if not n:
                continue
            if name in hist and n > min(EXACT_PERCENTILE_LIMIT, HISTOGRAM_FROM):
                buckets = hist[name].result()
                total[f"{name}_p90"] = _walk(buckets, sum(k for _, k in buckets))
            else:
                total[f"{name}_p90"] = read(p90, name, n)
        return {"groups": _nonzero(groups), "groups_before": _nonzero(previous.result()), "daily": daily.result(),
                "weekly": weekly}
