"""Evaluation (综合评价): what each figure of the leaders' review means, the periods it is computed
over, and the green/amber/red grades. Pure: the store computes the same counts in SQL
(dashboard.store.evaluation); `reference_counts` here is the plain-Python statement of every
definition, used by the tests to check the SQL against hand-computed incidents.

Two cohorts per period [start, end):
- the *due* cohort: incidents whose deadline falls in the period, less those suspended with approval.
  Closure, on-time closure, overdue, supervision and time to close are counted over it.
- the *dispatched* cohort: incidents first dispatched in the period. Rework, return, time to accept and
  the inspectors' checks (核查: time to verify, share failed) are counted over it.
- the *disposal* cohort (应处置, issue 16): dispatched incidents whose disposal fell due in the period,
  by `now` at the latest: reported fixed (first time) by their deadline, at that time; otherwise at the
  deadline. A case dispatched yesterday whose deadline has not come and that is not fixed yet is not
  due: a period still running compares like with like. Disposed on time: first reported fixed by the
  deadline (a case fixed after its deadline was due, and not disposed, at the deadline).

Suspension (挂账/暂停计时): the workflow has no suspend action yet. An incident counts as suspended
with approval when its history holds an action named "suspend" (which, when it is added, only a
dispatcher may record: the record is the approval). Until then every `suspended` count is zero.

An incident reopened after closure has no closing time until it is closed again (and the reopen
gives it a new deadline), so it counts as not closed; its rework is counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

SUSPEND_ACTION = "suspend"
REWORK_ACTIONS = ("rework", "reopen")
DIMENSIONS = ("department", "category", "district")
# the unit grid (issue 15): a drill-down may also name a grid cell (incidents carry their cell)
ALL_DIMENSIONS = DIMENSIONS + ("grid_cell",)
PERIOD_KINDS = ("this_week", "last_week", "this_month", "last_month", "custom")
PERCENTILE = 0.9
MAX_CUSTOM_DAYS = 400


@dataclass(frozen=True)
class Figure:
    key: str
    kind: str                 # rate (0…1), count, or duration (seconds)
    higher_is_better: bool | None   # None: not graded


# The figures in the order the page and the report show them.
FIGURES: tuple[Figure, ...] = (
    Figure("due", "count", None),
    Figure("closure_rate", "rate", True),
    Figure("on_time_rate", "rate", True),
    Figure("disposal_rate", "rate", True),
    Figure("rework_rate", "rate", False),
    Figure("return_rate", "rate", False),
    Figure("verify_fail_rate", "rate", False),
    Figure("verify_mean", "duration", False),
    Figure("accept_mean", "duration", False),
    Figure("accept_p90", "duration", False),
    Figure("close_mean", "duration", False),
    Figure("close_p90", "duration", False),
    Figure("overdue", "count", False),
    Figure("supervised", "count", False),
)
FIGURES_BY_KEY = {f.key: f for f in FIGURES}
LEAGUE_KEY = "on_time_rate"       # what the league table ranks by (ties: closure rate, then fewer overdue)

# The counts the store returns per group; every figure is made from them by `figures_from_counts`.
COUNT_KEYS = ("due", "suspended", "closed", "closed_on_time", "overdue", "supervised",
              "dispatched", "fixed", "reworked", "returned", "disposal_due", "disposed",
              "accept_n", "accept_mean", "accept_p90", "close_n", "close_mean", "close_p90",
              "verify_n", "verify_failed", "verify_mean")


# -- periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime     # inclusive, aware
    end: datetime       # exclusive, aware
    first_day: date     # local calendar days shown to people
    last_day: date
    running: bool = False   # still running: it ends now (to date), not at its calendar end

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class PeriodError(ValueError):
    """A period that cannot be computed (unknown kind, custom dates missing or reversed)."""


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz)


def period_from_days(kind: str, first: date, last: date, tz: ZoneInfo) -> Period:
    return Period(kind, _local_midnight(first, tz), _local_midnight(last + timedelta(days=1), tz), first, last)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period(kind: str, today: date, tz: ZoneInfo, first: date | None = None, last: date | None = None,
           now: datetime | None = None) -> Period:
    """The period of a kind, around the city's `today`. Weeks start on Monday. With `now`, a period
    that has not ended yet (this week, this month, a custom period reaching today) ends now: a case
    counts as due only once its deadline has passed, and nothing of the future is plotted."""
    p = _calendar_period(kind, today, tz, first, last)
    return to_date(p, now) if now is not None else p


def to_date(p: Period, now: datetime) -> Period:
    """`p` cut at `now` when it is still running (to date); unchanged when it has ended."""
    if now >= p.end:
        return p
    if now <= p.start:
        return Period(p.kind, p.start, p.start, p.first_day, p.first_day, True)
    tz = p.start.tzinfo
    local_now = now.astimezone(tz)        # shown to people as the city's time, never UTC's
    return Period(p.kind, p.start, local_now, p.first_day, local_now.date(), True)


def _calendar_period(kind: str, today: date, tz: ZoneInfo, first: date | None, last: date | None) -> Period:
    if kind == "this_week":
        monday = today - timedelta(days=today.weekday())
        return period_from_days(kind, monday, monday + timedelta(days=6), tz)
    if kind == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return period_from_days(kind, monday, monday + timedelta(days=6), tz)
    if kind == "this_month":
        start = _month_start(today)
        return period_from_days(kind, start, _next_month(start) - timedelta(days=1), tz)
    if kind == "last_month":
        end = _month_start(today)
        return period_from_days(kind, _month_start(end - timedelta(days=1)), end - timedelta(days=1), tz)
    if kind == "custom":
        if first is None or last is None:
            raise PeriodError("a custom period needs a first and a last day")
        if last < first:
            raise PeriodError(f"the last day {last} is before the first day {first}")
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise PeriodError(f"a custom period is at most {MAX_CUSTOM_DAYS} days")
        return period_from_days(kind, first, last, tz)
    raise PeriodError(f"unknown period {kind!r}; one of {', '.join(PERIOD_KINDS)}")


def previous(p: Period, tz: ZoneInfo) -> Period:
    """The period to compare with: the previous calendar month for months, otherwise the same
    number of days just before. A running period is compared like with like: month to date with the
    same span of the previous month (1st to the same day and time, cut at that month's end), week to
    date with the same span of the week before."""
    if p.running:
        return _previous_to_date(p, tz)
    if p.kind in ("this_month", "last_month"):
        start = _month_start(p.first_day - timedelta(days=1))
        return period_from_days("previous", start, p.first_day - timedelta(days=1), tz)
    return period_from_days("previous", p.first_day - timedelta(days=p.days), p.first_day - timedelta(days=1), tz)


def _previous_to_date(p: Period, tz: ZoneInfo) -> Period:
    end_local = p.end.astimezone(tz)
    if p.kind == "this_month":
        first = _month_start(p.first_day - timedelta(days=1))
        month_end = p.first_day                       # the previous month ends where this one starts
        day = first + timedelta(days=(end_local.date() - p.first_day).days)
        end = datetime.combine(day, end_local.time(), tz) if day < month_end else _local_midnight(month_end, tz)
    else:                                             # weeks and custom periods: the same span just before
        span_days = (p.last_day - p.first_day).days + 1 if p.kind != "this_week" else 7
        first = p.first_day - timedelta(days=span_days)
        end = datetime.combine(end_local.date() - timedelta(days=span_days), end_local.time(), tz)
    end = max(end, _local_midnight(first, tz))
    last = (end - timedelta(microseconds=1)).astimezone(tz).date() if end > _local_midnight(first, tz) else first
    return Period("previous", _local_midnight(first, tz), end, first, last, True)


# -- figures from counts ----------------------------------------------------------------------
def _ratio(num: float | None, den: float | None) -> float | None:
    return None if not den else (num or 0) / den


def figures_from_counts(c: dict) -> dict:
    """Every figure of one group from its counts (None where the denominator is zero)."""
    return {
        "due": c.get("due") or 0,
        "suspended": c.get("suspended") or 0,
        "closed": c.get("closed") or 0,
        "closure_rate": _ratio(c.get("closed"), c.get("due")),
        "on_time_rate": _ratio(c.get("closed_on_time"), c.get("due")),
        "dispatched": c.get("dispatched") or 0,
        "disposal_due": c.get("disposal_due") or 0,
        "disposal_rate": _ratio(c.get("disposed"), c.get("disposal_due")),
        "rework_rate": _ratio(c.get("reworked"), c.get("fixed")),
        "return_rate": _ratio(c.get("returned"), c.get("dispatched")),
        "accept_mean": c.get("accept_mean"), "accept_p90": c.get("accept_p90"),
        "close_mean": c.get("close_mean"), "close_p90": c.get("close_p90"),
        "overdue": c.get("overdue") or 0,
        "supervised": c.get("supervised") or 0,
        "verified": c.get("verify_n") or 0,
        "verify_fail_rate": _ratio(c.get("verify_failed"), c.get("verify_n")),
        "verify_mean": c.get("verify_mean"),
    }


def percentile_cont(values: Iterable[float], q: float = PERCENTILE) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# -- the plain-Python statement of every count (the reference the SQL is tested against) --------
@dataclass(frozen=True)
class IncidentFacts:
    """What evaluation needs of one incident (one row of the store's incident_facts)."""
    incident_id: int
    created_at: datetime
    department: str | None = None
    category: str = "0101"
    district: str | None = None
    deadline: datetime | None = None
    dispatched_at: datetime | None = None     # first dispatch
    accepted_at: datetime | None = None       # first acceptance
    fixed_count: int = 0                      # times reported fixed
    fixed_at: datetime | None = None          # first reported fixed
    rework_count: int = 0                     # times sent back for rework or reopened
    return_count: int = 0                     # times returned as not the department's
    closed_at: datetime | None = None         # set only while the incident is closed
    supervised: bool = False
    suspended: bool = False
    lat: float | None = None
    lon: float | None = None
    grid_cell: str | None = None              # the unit-grid cell (issue 15)
    # the inspectors' checks of its fixes (核查): (requested_at, done_at or None, "pass" / "fail" / None)
    checks: tuple = ()
    extra: dict = field(default_factory=dict, compare=False)


def in_due(f: IncidentFacts, p: Period) -> bool:
    return f.deadline is not None and p.start <= f.deadline < p.end and not f.suspended


def in_dispatched(f: IncidentFacts, p: Period) -> bool:
    return f.dispatched_at is not None and p.start <= f.dispatched_at < p.end


def disposed_on_time(f: IncidentFacts) -> bool:
    """First reported fixed by the deadline (or fixed with no deadline to be late for)."""
    return f.fixed_at is not None and (f.deadline is None or f.fixed_at <= f.deadline)


def disposal_due_at(f: IncidentFacts) -> datetime | None:
    """When the case fell due for disposal: when first fixed, if by the deadline; else at the deadline."""
    return f.fixed_at if disposed_on_time(f) else f.deadline


def in_disposal(f: IncidentFacts, p: Period, now: datetime) -> bool:
    """In the disposal cohort (应处置) of `p`: dispatched, not suspended, fallen due in the period and
    before `now` (a deadline still to come is not due yet)."""
    at = disposal_due_at(f)
    return (f.dispatched_at is not None and not f.suspended and at is not None
            and p.start <= at < p.end and at < now)


def done_checks(f: IncidentFacts) -> list[tuple[datetime, datetime, str]]:
    return [c for c in f.checks if c[2] in ("pass", "fail") and c[1] is not None]


def is_overdue(f: IncidentFacts, now: datetime) -> bool:
    """Past its deadline and not closed by it (closed late, or still not closed)."""
    return f.deadline is not None and f.deadline < now and (f.closed_at is None or f.closed_at > f.deadline)


def reference_counts(facts: Iterable[IncidentFacts], p: Period, now: datetime) -> dict:
    facts = list(facts)
    due = [f for f in facts if in_due(f, p)]
    disp = [f for f in facts if in_dispatched(f, p)]
    accept = [(f.accepted_at - f.dispatched_at).total_seconds() for f in disp if f.accepted_at]
    close = [(f.closed_at - f.created_at).total_seconds() for f in due if f.closed_at]
    disposal = [f for f in facts if in_disposal(f, p, now)]
    checks = [c for f in disp for c in done_checks(f)]
    verify = [(done - asked).total_seconds() for asked, done, _ in checks]
    return {
        "due": len(due),
        "suspended": sum(1 for f in facts if f.suspended and f.deadline and p.start <= f.deadline < p.end),
        "closed": sum(1 for f in due if f.closed_at),
        "closed_on_time": sum(1 for f in due if f.closed_at and f.closed_at <= f.deadline),
        "overdue": sum(1 for f in due if is_overdue(f, now)),
        "supervised": sum(1 for f in due if f.supervised),
        "dispatched": len(disp),
        "fixed": sum(1 for f in disp if f.fixed_count > 0),
        "reworked": sum(1 for f in disp if f.fixed_count > 0 and f.rework_count > 0),
        "returned": sum(1 for f in disp if f.return_count > 0),
        "disposal_due": len(disposal),
        "disposed": sum(1 for f in disposal if disposed_on_time(f)),
        "accept_n": len(accept), "accept_mean": sum(accept) / len(accept) if accept else None,
        "accept_p90": percentile_cont(accept),
        "close_n": len(close), "close_mean": sum(close) / len(close) if close else None,
        "close_p90": percentile_cont(close),
        "verify_n": len(checks), "verify_failed": sum(1 for c in checks if c[2] == "fail"),
        "verify_mean": sum(verify) / len(verify) if verify else None,
    }


# -- grades -----------------------------------------------------------------------------------
DEFAULT_THRESHOLDS = ("closure_rate:0.9/0.8,on_time_rate:0.9/0.8,disposal_rate:0.9/0.8,"
                      "rework_rate:0.05/0.1,return_rate:0.05/0.1,accept_mean:3600/14400,"
                      "close_mean:172800/345600,accept_p90:14400/43200,close_p90:345600/604800")


def parse_thresholds(text: str) -> dict[str, tuple[float, float]]:
    """"key:green/amber,…" → {key: (green, amber)}. For a figure where higher is better, green is
    at or above the first number, amber at or above the second, red below; where lower is better,
    green is at or below the first and amber at or below the second."""
    out: dict[str, tuple[float, float]] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, sep, bounds = part.partition(":")
        key = key.strip()
        if not sep or key not in FIGURES_BY_KEY or FIGURES_BY_KEY[key].higher_is_better is None:
            raise ValueError(f"threshold {part!r}: expected figure:green/amber with a graded figure")
        try:
            green, amber = (float(x) for x in bounds.split("/"))
        except ValueError:
            raise ValueError(f"threshold {part!r}: expected two numbers as green/amber") from None
        better_high = FIGURES_BY_KEY[key].higher_is_better
        if (better_high and green < amber) or (not better_high and green > amber):
            raise ValueError(f"threshold {part!r}: green must be better than amber")
        out[key] = (green, amber)
    return out


def grade(key: str, value: float | None, thresholds: dict[str, tuple[float, float]]) -> str | None:
    if value is None or key not in thresholds:
        return None
    green, amber = thresholds[key]
    if FIGURES_BY_KEY[key].higher_is_better:
        return "green" if value >= green else "amber" if value >= amber else "red"
    return "green" if value <= green else "amber" if value <= amber else "red"


# -- league table -----------------------------------------------------------------------------
def league(current: dict[str, dict], before: dict[str, dict]) -> list[dict]:
    """Departments ranked by on-time closure rate (then closure rate, then fewer overdue); groups
    with nothing due come last. Each row carries the change of its rates against `before` and its
    rank then."""
    def sort_key(item):
        code, f = item
        rate = f.get(LEAGUE_KEY)
        return (rate is None, -(rate or 0), -(f.get("closure_rate") or 0), f.get("overdue") or 0, code)

    def ranks(groups: dict[str, dict]) -> dict[str, int]:
        ordered = [c for c, f in sorted(groups.items(), key=sort_key) if f.get(LEAGUE_KEY) is not None]
        return {c: n for n, c in enumerate(ordered, 1)}

    before_rank = ranks(before)
    rows = []
    for n, (code, f) in enumerate(sorted(current.items(), key=sort_key), 1):
        prev = before.get(code, {})
        rows.append({"code": code, "rank": n, "rank_before": before_rank.get(code), **f,
                     "change": {k: _delta(f.get(k), prev.get(k)) for k in ("closure_rate", "on_time_rate",
                                                                          "disposal_rate", "rework_rate",
                                                                          "verify_fail_rate", "close_mean",
                                                                          "overdue", "due")}})
    return rows


def _delta(now_value, before_value):
    if now_value is None or before_value is None:
        return None
    return now_value - before_value

