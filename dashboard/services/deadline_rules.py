"""Deadlines of the city in force: its categories' time limits per priority and its working calendar
(the chinese-calendar default years with the city's own years over them), counted by
`dashboard.domain.deadlines.compute_deadline`.

Every place that sets a deadline (auto-dispatch at intake, the dispatch, reassign, reopen and
reprioritize commands, the dispatch page's default, the demo's history and feeds) asks here, so
one rule counts them all. What an incident keeps of its deadline's basis goes into its details
under DETAILS_KEY: {"at", "provisional", "zh", "en"}.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from dashboard.domain import categories, deadlines
from dashboard.domain.deadlines import Deadline, TimeLimit
from dashboard.domain.work_calendar import WorkCalendar
from dashboard.i18n import t

from .calendar_defaults import calendar_in_force

log = logging.getLogger(__name__)

DETAILS_KEY = "deadline_basis"


def find_category(city, code: str):
    """The city's category (the built-in taxonomy's for a city that carries none)."""
    finder = getattr(city, "find_category", None)
    found = finder(code) if finder else None
    return found if found is not None else getattr(categories, "BY_CODE", {}).get(str(code))


def category_limits(city, code: str) -> dict[int, TimeLimit]:
    """The category's 处置时限 per priority: its own, the built-in table for what it leaves out."""
    cat = find_category(city, code)
    fallback = (deadlines.default_limits_for_kind(getattr(cat, "domain", None)) if cat is not None
                else deadlines.default_limits(code))
    own = getattr(cat, "limits", None) if cat is not None else None
    if not own:
        return fallback
    try:
        if isinstance(own, tuple):   # as a package writes them: parsed once per process
            return dict(_parsed(own, tuple(sorted(fallback.items()))))
        return deadlines.limits_from_texts(own, fallback)
    except ValueError as exc:   # the package is validated on import; never stop a dispatch over it
        log.warning("category %s: time limits %r unreadable (%s); using the built-in table", code, own, exc)
        return fallback


@lru_cache(maxsize=4096)
def _parsed(own: tuple, fallback: tuple) -> tuple:
    return tuple(deadlines.limits_from_texts(own, dict(fallback)).items())


def city_calendar(city) -> WorkCalendar:
    """The working calendar in force for `city`: defaults, the city's own years over them."""
    return calendar_in_force(getattr(city, "calendar", None))


def deadline_for(city, category_code: str, priority: int, start: datetime, tz: tzinfo) -> Deadline:
    return deadlines.compute_deadline(start, category_limits(city, category_code), priority, city_calendar(city), tz)


def details_with(details: dict | None, deadline: Deadline) -> dict[str, Any]:
    """The incident's details with the deadline's basis recorded."""
    return (details or {}) | {DETAILS_KEY: deadline.record()}


def calendar_status(city, today: date, warn_days: int) -> dict[str, Any]:
    """How long the calendar in force still knows the holidays, and whether admins are warned:
    {known_through, days_left, warn (bool), years, message_zh, message_en}. `warn` once fewer than
    `warn_days` days are left, or already now when today's year is unknown."""
    calendar = city_calendar(city)
    through = calendar.known_through(today)
    left = calendar.days_known_left(today)
    warn = left is None or left < warn_days
    next_year = (through.year + 1) if through else today.year
    if through is None:
        key, values = "dl.notice.unknown_long", {"year": today.year}
    else:
        key, values = "dl.notice.ends_long", {"date": through.isoformat(), "days": left, "year": next_year}
    zh, en = t(key, "zh-CN").format(**values), t(key, "en").format(**values)
    return {"known_through": through.isoformat() if through else None, "days_left": left, "warn": warn,
            "warn_days": warn_days, "next_unknown_year": next_year,
            "years": [{"year": y.year, "status": y.status, "source": y.source} for y in calendar.years
                      if y.year >= today.year - 1],
            "message_zh": zh, "message_en": en}


def calendar_health(services, now: datetime | None = None) -> dict[str, Any]:
    """calendar_status of the services' city today (in the city's time zone), by the warning setting."""
    from dashboard.store import utcnow
    today = (now or utcnow()).astimezone(services.tz).date()
    return calendar_status(services.city, today, int(getattr(services.settings, "calendar_warn_days", 60)))
