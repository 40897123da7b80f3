"""Deadlines from a table of category × priority, in wall-clock hours or working hours.

Working hours are Monday to Friday, 09:00–12:00 and 13:30–17:30 local time (7 h a day).
Public holidays and make-up working days are not modelled yet.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import categories

# Hours allowed by priority, the default for every category.
DEFAULT_HOURS = {1: 2, 2: 24, 3: 72, 4: 168}
WORKING_DAY = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))

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
    cat = categories.BY_CODE.get(category_code)
    return bool(cat and cat.domain in WORKING_HOURS_DOMAINS)


def add_working_hours(start: datetime, hours: float, tz: ZoneInfo) -> datetime:
    """The moment when `hours` of working time have passed after `start`."""
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(tz)
    for _ in range(3660):   # bounded: at most ten years of days
        if cursor.weekday() < 5:
            for begin, end in WORKING_DAY:
                window_start = cursor.replace(hour=begin.hour, minute=begin.minute, second=0, microsecond=0)
                window_end = cursor.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
                if cursor >= window_end:
                    continue
                from_ = max(cursor, window_start)
                available = window_end - from_
                if remaining <= available:
                    return (from_ + remaining).astimezone(start.tzinfo)
                remaining -= available
                cursor = window_end
        next_day = (cursor + timedelta(days=1)).date()
        cursor = datetime.combine(next_day, time(0), tz)
    raise ValueError("deadline too far away")


def compute_deadline(start: datetime, category_code: str, priority: int, tz: ZoneInfo,
                     table: dict[tuple[str, int], float] | None = None,
                     working_overrides: dict[str, bool] | None = None) -> datetime:
    hours = deadline_hours(category_code, priority, table)
    if counts_working_hours(category_code, working_overrides):
        return add_working_hours(start, hours, tz)
    return start + timedelta(hours=hours)
