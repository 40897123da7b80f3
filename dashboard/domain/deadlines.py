"""How a deadline (处置时限) is counted: a time limit per priority, the city's working calendar, a start.

Units (`TimeLimit`):
- hours (小时) count the clock, day and night, holidays included;
- working hours (工作时) count only the working periods (`WorkCalendar.working_periods`, by default
  09:00–12:00 and 13:30–17:30, 7 h a day) of working days;
- working days (工作日) count whole working days the way Chinese administrative periods are counted
  (民法典 第二百零一条、第二百零三条; the 12345 hotline's "N 个工作日内办结" and 数字城管 处置时限 in
  工作日 follow it): the day of the start is not counted, counting begins with the next day, and
  the deadline is the close of business (the end of the last working period) of the Nth working
  day. Dispatched on Monday at 10:00 with 2 工作日: Wednesday 17:30. A fraction of a day (1.5 工作日)
  adds that share of a working day's hours as working hours after those whole days.

Working days are the calendar's: weekdays that are no public holiday, plus the 调休 weekend days
that are working days. A year the calendar does not know counts plain Monday to Friday, and the
deadline says it is provisional.

Urgent cases count the clock: a P1 (特急) limit given in working hours or days is counted as that
many clock hours (N 工作时 → N h, N 工作日 → N × 24 h), and no priority's deadline is later than
the deadline a less urgent priority of the same category would get at the same start (P1 ≤ P2 ≤ P3
≤ P4): each is capped by the ones below it, and the basis says so.

Every deadline carries its basis in both languages ("4 工作时; 不含 1月1日 元旦" / "4 working
hours; excludes 1 Jan New Year's Day"): the rule, the holidays it skipped, the 调休 days it counted
and, when provisional, the years it guessed. Pure: no IO.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Mapping

from . import categories
from .work_calendar import DEFAULT_WORKING_PERIODS, WorkCalendar, split_name

HOURS = "hours"            # the clock (小时)
WORK_HOURS = "work_hours"  # 工作时
WORK_DAYS = "work_days"    # 工作日
UNITS = (HOURS, WORK_HOURS, WORK_DAYS)
_UNIT_WORDS = {"h": HOURS, "小时": HOURS, "hours": HOURS, "wh": WORK_HOURS, "工作时": WORK_HOURS,
               "work_hours": WORK_HOURS, "wd": WORK_DAYS, "工作日": WORK_DAYS, "work_days": WORK_DAYS}


@dataclass(frozen=True)
class TimeLimit:
    """A 处置时限: an amount in a unit ("24h", "4wh" 工作时, "2wd" 工作日)."""
    amount: float
    unit: str

    @classmethod
    def parse(cls, text: str) -> "TimeLimit":
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z_]+|小时|工作时|工作日)\s*", str(text))
        if not match or match.group(2) not in _UNIT_WORDS:
            raise ValueError(f"{text!r} is not a time limit: a positive number and a unit "
                             "(h = hours, wh = 工作时 working hours, wd = 工作日 working days), e.g. 24h, 4wh, 2wd")
        amount = float(match.group(1))
        if amount <= 0:
            raise ValueError(f"{text!r}: a time limit must be a positive number")
        return cls(amount, _UNIT_WORDS[match.group(2)])

    def __str__(self) -> str:
        number = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{number}{ {HOURS: 'h', WORK_HOURS: 'wh', WORK_DAYS: 'wd'}[self.unit] }"


URGENT = 1   # 特急: counts the clock
MAX_DAYS = 3660   # a deadline further than ten years away is an error in the table

# Hours allowed by priority, the default for every category.
DEFAULT_HOURS = {1: 2, 2: 24, 3: 72, 4: 168}
WORKING_DAY = DEFAULT_WORKING_PERIODS

# Categories whose deadlines count working hours only: routine public works that crews handle
# in office hours. Emergencies, traffic and environment count the clock.
WORKING_HOURS_DOMAINS = frozenset({categories.COMPONENT})


def deadline_hours(category_code: str, priority: int, table: dict[tuple[str, int], float] | None = None) -> float:
    if table and (category_code, priority) in table:
        return table[(category_code, priority)]
    return DEFAULT_HOURS.get(priority, DEFAULT_HOURS[3])


def counts_working_hours(category_code: str, overrides: dict[str, bool] | None = None) -> bool:
    if overrides and category_code in overrides:
        return overrides[category_code]
    cat = getattr(categories, "BY_CODE", {}).get(category_code)   # the built-in taxonomy, where there is one
    return bool(cat and cat.domain in WORKING_HOURS_DOMAINS)


def default_limits_for_kind(kind: str | None) -> dict[int, TimeLimit]:
    """The built-in table, for a category that carries no limits of its own: DEFAULT_HOURS, in
    working hours for 部件 (components), on the clock for everything else."""
    unit = WORK_HOURS if kind in WORKING_HOURS_DOMAINS else HOURS
    return {p: TimeLimit(float(h), unit) for p, h in DEFAULT_HOURS.items()}


def default_limits(category_code: str) -> dict[int, TimeLimit]:
    """default_limits_for_kind of a category of the built-in taxonomy (by its code)."""
    return default_limits_for_kind(categories.COMPONENT if counts_working_hours(category_code) else None)


def limits_from_texts(texts, fallback: Mapping[int, TimeLimit] | None = None) -> dict[int, TimeLimit]:
    """A category's limits from what its package writes: P1..P4 in order ("2h", "4wh", "" for none)
    or a mapping priority → text or TimeLimit; priorities it leaves out come from `fallback`.
    Raises ValueError on a text that is not a time limit."""
    limits = dict(fallback or {})
    items = texts.items() if isinstance(texts, Mapping) else enumerate(texts or (), start=1)
    for priority, value in items:
        if value:
            limits[int(priority)] = value if isinstance(value, TimeLimit) else TimeLimit.parse(value)
    return limits


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool
    basis_zh: str
    basis_en: str

    def basis(self, lang: str | None) -> str:
        return self.basis_zh if (lang or "zh").lower().startswith("zh") else self.basis_en

    def record(self) -> dict[str, Any]:
        """What an incident keeps of it (in its details, "deadline_basis")."""
        return {"at": self.at.isoformat(), "provisional": self.provisional, "zh": self.basis_zh, "en": self.basis_en}

    @classmethod
    def given(cls, at: datetime) -> "Deadline":
        """A deadline the dispatcher set by hand."""
        return cls(at, False, "调度员指定", "set by the dispatcher")


# -- counting ---------------------------------------------------------------------------------
@dataclass
class _Count:
    at: datetime
    rule_zh: str
    rule_en: str
    skipped: dict[date, str] = field(default_factory=dict)   # holidays the count passed over, with their names
    made_up: list[date] = field(default_factory=list)     # 调休 working days it counted
    unknown: set[int] = field(default_factory=set)        # years the calendar does not know


def compute_deadline(start: datetime, limits_by_priority: Mapping[int, TimeLimit], priority: int,
                     calendar: WorkCalendar | None, tz: tzinfo) -> Deadline:
    """The deadline of a case of `priority` started (dispatched) at `start`, by the category's
    limits per priority and the city's calendar, counted in the city's time zone `tz`. A priority
    missing from the table takes the limit of the nearest less urgent priority listed, or else of the
    nearest more urgent one; an empty table is DEFAULT_HOURS on the clock. The answer is in `start`'s
    time zone."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    calendar = calendar or WorkCalendar()
    table = _full_table(limits_by_priority)
    best = _count(start, _limit(table, priority), priority == URGENT, calendar, tz)
    capped_by = None
    for other in sorted(p for p in table if p > priority):
        limit = table[other]
        if start + _at_least(limit) >= best.at:
            continue   # it cannot be earlier: no need to count
        candidate = _count(start, limit, False, calendar, tz)
        if candidate.at < best.at:
            best, capped_by = candidate, other
    return _deadline(best, capped_by, start.tzinfo)


def add_working_hours(start: datetime, hours: float, tz: tzinfo, calendar: WorkCalendar | None = None) -> datetime:
    """The moment when `hours` of working time have passed after `start` (plain weekdays without a calendar)."""
    return _working_hours(start, timedelta(hours=hours), calendar or WorkCalendar(), tz, _Count(start, "", "")).at


def _full_table(limits: Mapping[int, TimeLimit]) -> dict[int, TimeLimit]:
    """Every priority 1–4 with a limit: a missing one takes the nearest less urgent listed, or else
    the nearest more urgent listed; an empty table is DEFAULT_HOURS on the clock."""
    given = {p: limit for p, limit in limits.items() if limit is not None}
    if not given:
        return {p: TimeLimit(float(h), HOURS) for p, h in DEFAULT_HOURS.items()}
    table = dict(given)
    for p in DEFAULT_HOURS:
        if p not in table:
            below = [q for q in sorted(given) if q > p]
            above = [q for q in sorted(given, reverse=True) if q < p]
            table[p] = given[(below or above)[0]]
    return table


def _limit(limits: Mapping[int, TimeLimit], priority: int) -> TimeLimit:
    limit = limits.get(priority)
    return limit if limit is not None else TimeLimit(float(DEFAULT_HOURS.get(priority, DEFAULT_HOURS[3])), HOURS)


def _at_least(limit: TimeLimit) -> timedelta:
    """A lower bound of the clock time `limit` takes, whatever the calendar."""
    if limit.unit == WORK_DAYS:
        return timedelta(days=max(0.0, limit.amount - 1))
    return timedelta(hours=limit.amount)


def _count(start: datetime, limit: TimeLimit, urgent: bool, calendar: WorkCalendar, tz: tzinfo) -> _Count:
    if limit.unit == HOURS:
        return _Count(start + timedelta(hours=limit.amount), *_rule(limit))
    if urgent:   # 特急 counts the clock: N 工作时 → N h, N 工作日 → N × 24 h
        hours = limit.amount * (24 if limit.unit == WORK_DAYS else 1)
        clock = TimeLimit(hours, HOURS)
        zh, en = _rule(clock)
        table_zh, table_en = _rule(limit)
        return _Count(start + timedelta(hours=hours), f"{zh}（特急按自然时计；时限表为 {table_zh}）",
                      f"{en} (urgent: the clock counts; the table says {table_en})")
    count = _Count(start, *_rule(limit))
    if limit.unit == WORK_HOURS:
        return _working_hours(start, timedelta(hours=limit.amount), calendar, tz, count)
    return _working_days(start, limit.amount, calendar, tz, count)


def _working_hours(start: datetime, remaining: timedelta, calendar: WorkCalendar, tz: tzinfo,
                   count: _Count) -> _Count:
    """Counts `remaining` working time from `start`, noting what it passed in `count`."""
    cursor = start.astimezone(tz)
    day = cursor.date()
    periods = calendar.periods()
    for _ in range(MAX_DAYS):
        _note_year(calendar, day, count)
        if calendar.is_working_day(day):
            used = False
            for begin, end in periods:
                window_start, window_end = datetime.combine(day, begin, tz), datetime.combine(day, end, tz)
                if cursor >= window_end:
                    continue
                used = True
                from_ = max(cursor, window_start)
                available = window_end - from_
                if remaining <= available:
                    if calendar.workday_name(day):
                        count.made_up.append(day)
                    count.at = (from_ + remaining).astimezone(start.tzinfo)
                    return count
                remaining -= available
                cursor = window_end
            if used and calendar.workday_name(day):
                count.made_up.append(day)
        elif calendar.holiday_name(day):
            count.skipped[day] = calendar.holiday_name(day)
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), tz)
    raise ValueError("deadline too far away: more than ten years of working time")


def _working_days(start: datetime, amount: float, calendar: WorkCalendar, tz: tzinfo, count: _Count) -> _Count:
    periods = calendar.periods()
    whole, share = int(amount), amount - int(amount)
    day = start.astimezone(tz).date()
    _note_year(calendar, day, count)
    counted = 0
    for _ in range(MAX_DAYS):
        if counted >= whole:
            break
        day += timedelta(days=1)
        _note_year(calendar, day, count)
        if calendar.is_working_day(day):
            counted += 1
            if calendar.workday_name(day):
                count.made_up.append(day)
        elif calendar.holiday_name(day):
            count.skipped[day] = calendar.holiday_name(day)
    else:
        raise ValueError("deadline too far away: more than ten years of working days")
    close = datetime.combine(day, periods[-1][1], tz)   # close of business of the last counted day
    if share > 0:
        length = sum((datetime.combine(day, e, tz) - datetime.combine(day, b, tz) for b, e in periods), timedelta())
        _working_hours(close, length * share, calendar, tz, count)
        count.at = count.at.astimezone(start.tzinfo)
        return count
    count.at = close.astimezone(start.tzinfo)
    return count


def _note_year(calendar: WorkCalendar, day: date, count: _Count) -> None:
    if not calendar.knows(day.year):
        count.unknown.add(day.year)


# -- the basis text ---------------------------------------------------------------------------
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _number(amount: float) -> str:
    return str(int(amount)) if amount == int(amount) else f"{amount:g}"


def _rule(limit: TimeLimit) -> tuple[str, str]:
    n = _number(limit.amount)
    plural = "" if limit.amount == 1 else "s"
    if limit.unit == HOURS:
        return f"{n} 小时", f"{n} hour{plural}"
    if limit.unit == WORK_HOURS:
        return f"{n} 工作时", f"{n} working hour{plural}"
    return (f"{n} 工作日（次日起算，截至下班）",
            f"{n} working day{plural} (from the next day, until close of business)")


def _deadline(count: _Count, capped_by: int | None, out_tz) -> Deadline:
    zh, en = count.rule_zh, count.rule_en
    if capped_by is not None:
        zh, en = f"不晚于 P{capped_by} 时限：{zh}", f"no later than the P{capped_by} limit: {en}"
    parts_zh, parts_en = [zh], [en]
    if count.skipped:
        groups = _group_days(count.skipped)
        parts_zh.append("不含 " + "、".join(_span_zh(g) for g in groups))
        parts_en.append("excludes " + ", ".join(_span_en(g) for g in groups))
    if count.made_up:
        days = sorted(set(count.made_up))
        parts_zh.append("含 " + "、".join(f"{d.month}月{d.day}日（{_WEEKDAYS_ZH[d.weekday()]}）" for d in days)
                        + "调休上班")
        parts_en.append("includes make-up working day" + ("s " if len(days) > 1 else " ")
                        + ", ".join(f"{_WEEKDAYS_EN[d.weekday()]} {d.day} {_MONTHS_EN[d.month - 1]}" for d in days))
    if count.unknown:
        years = sorted(count.unknown)
        parts_zh.append("、".join(str(y) for y in years) + " 年节假日未知，暂按周一至周五计")
        parts_en.append("holidays of " + ", ".join(str(y) for y in years)
                        + " not known: Monday to Friday counted (provisional)")
    return Deadline(count.at.astimezone(out_tz) if out_tz else count.at, bool(count.unknown),
                    "; ".join(parts_zh), "; ".join(parts_en))


@dataclass
class _Group:
    first: date
    last: date
    name: str


def _group_days(names: Mapping[date, str]) -> list[_Group]:
    """Runs of consecutive days off that belong to the same holiday."""
    out: list[_Group] = []
    for day in sorted(names):
        name = names[day]
        if out and out[-1].name == name and (day - out[-1].last).days == 1:
            out[-1].last = day
        else:
            out.append(_Group(day, day, name))
    return out


def _span_zh(g: _Group) -> str:
    zh, _ = split_name(g.name)
    when = f"{g.first.month}月{g.first.day}日"
    if g.last != g.first:
        when += f"–{g.last.month}月{g.last.day}日"
    return f"{when} {zh}".strip()


def _span_en(g: _Group) -> str:
    _, en = split_name(g.name)
    first, last = g.first, g.last
    if last == first:
        when = f"{first.day} {_MONTHS_EN[first.month - 1]}"
    elif last.month == first.month:
        when = f"{first.day}–{last.day} {_MONTHS_EN[first.month - 1]}"
    else:
        when = f"{first.day} {_MONTHS_EN[first.month - 1]}–{last.day} {_MONTHS_EN[last.month - 1]}"
    return f"{when} {en}".strip()
