"""The 90th percentiles of the review's durations, in the database. PostgreSQL: percentile_cont for up to
EXACT_PERCENTILE_LIMIT durations, above that read off a logarithmic histogram kept in incident_facts (a
hash aggregate over small integers instead of sorting millions of values; within 0.25 %). SQLite: exact,
from a window over the ordered durations."""
from __future__ import annotations

import math

import sqlalchemy as sa

from dashboard.domain import evaluation as ev

from . import schema as t
from .evaluation import HISTOGRAM_STEPS, Cohorts, filters_clause

EXACT_PERCENTILE_LIMIT = 250_000


def total_percentiles(conn, c: Cohorts, filters, department_scope, counts: dict | None = None) -> dict:
    """{accept_p90, close_p90} of the selection."""
    return {f"{name}_p90": percentile(conn, c, name, filters, department_scope) for name in ("accept", "close")}


def percentile(conn, c: Cohorts, name: str, filters, department_scope) -> float | None:
    """The 90th percentile of one measure ("accept" or "close"). PostgreSQL counts the stored histogram
    buckets first (which also says how many durations there are) and sorts the durations exactly with
    percentile_cont only when they are few enough; SQLite numbers the ordered durations."""
    if conn.dialect.name != "postgresql":
        return percentiles_by_window(conn, c, name, sa.literal("all"), None, filters, department_scope).get("all")
    buckets = histogram(conn, c, name, filters, department_scope)
    n = sum(k for _, k in buckets)
    if not n:
        return None
    if n > EXACT_PERCENTILE_LIMIT:
        return _walk(buckets, n)
    when, secs = c.measure(name)
    value = conn.execute(sa.select(sa.func.percentile_cont(ev.PERCENTILE).within_group(secs))
                         .where(when, filters_clause(filters, department_scope))).scalar()
    return float(value) if value is not None else None


def histogram(conn, c: Cohorts, name: str, filters, department_scope) -> list[tuple[int, int]]:
    """[(bucket, durations in it)] of one measure, in bucket order: a hash aggregate over small integers."""
    f = t.incident_facts.c
    bucket = {"accept": f.accept_bucket, "close": f.close_bucket}[name]
    rows = conn.execute(sa.select(bucket, sa.func.count())
                        .where(c.measure(name)[0], bucket.is_not(None), filters_clause(filters, department_scope))
                        .group_by(bucket).order_by(bucket)).all()
    return [(int(b), k) for b, k in rows]


def percentiles_by_histogram(conn, c: Cohorts, names: list[str], filters, department_scope,
                             sizes: dict[str, int] | None = None) -> dict:
    """p90 of many durations without sorting them: walk the histogram to the bucket holding rank
    (n-1)·0.9 and interpolate inside it (a bucket spans 0.25 %)."""
    out = {}
    for name in names:
        buckets = histogram(conn, c, name, filters, department_scope)
        out[f"{name}_p90"] = _walk(buckets, sum(k for _, k in buckets))
    return out


def _walk(rows: list[tuple[int, int]], n: int) -> float | None:
    if not n:
        return None
    target = (n - 1) * ev.PERCENTILE
    seen = 0
    for b, k in rows:
        if seen + k > target:
            low, high = math.exp(b / HISTOGRAM_STEPS) - 1, math.exp((b + 1) / HISTOGRAM_STEPS) - 1
            return low + (high - low) * ((target - seen + 0.5) / k)
        seen += k
    return math.exp(rows[-1][0] / HISTOGRAM_STEPS) - 1 if rows else None


def percentiles_by_window(conn, c: Cohorts, name: str, group, dimension, filters, department_scope) -> dict:
    """The 90th percentile per group where the database has no percentile_cont: number the ordered
    durations in each group and fetch only the two ranks around (n - 1) × 0.9."""
    when, secs = c.measure(name)
    inner = (sa.select(group.label("grp"), secs.label("x"))
             .where(when, filters_clause(filters, department_scope)).subquery())
    partition = {"partition_by": inner.c.grp} if dimension else {}
    ranked = sa.select(
        inner.c.grp, inner.c.x,
        (sa.func.row_number().over(order_by=inner.c.x, **partition) - 1).label("rn"),
        sa.func.count().over(**partition).label("n")).subquery()
    low = sa.cast((ranked.c.n - 1) * ev.PERCENTILE, sa.Integer)   # (n-1)·q ≥ 0, so the cast floors
    rows = conn.execute(sa.select(ranked.c.grp, ranked.c.x, ranked.c.rn, ranked.c.n)
                        .where(sa.or_(ranked.c.rn == low, ranked.c.rn == low + 1)))
    picked: dict[str, dict[int, float]] = {}
    sizes: dict[str, int] = {}
    for grp, x, rn, n in rows:
        key = str(grp) if grp is not None else ""
        picked.setdefault(key, {})[rn] = float(x)
        sizes[key] = n
    out = {}
    for key, ranks in picked.items():
        lo = min(ranks)   # the rank the database floored to
        fraction = min(1.0, max(0.0, (sizes[key] - 1) * ev.PERCENTILE - lo))
        below = ranks[lo]
        out[key] = below + (ranks.get(lo + 1, below) - below) * fraction
    return out
