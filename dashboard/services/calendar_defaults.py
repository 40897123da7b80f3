"""The default working calendar, from the `chinese-calendar` package (the State Council's yearly
notices 国务院办公厅关于部分节假日安排的通知, as the package transcribes them), and the calendar in
force: those default years, each replaced by the city's own year where its package lists one.

The package's data is read once per process (it is installed with CityOps: nothing comes from the
internet). Its years end where its release ends (1.11: 2026); later years are unknown until the
package is upgraded or the city's file lists them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache

from dashboard.domain.work_calendar import OFFICIAL, CalendarYear, WorkCalendar, merge_calendars

# The package names some holidays short; the State Council's notices name them in full.
_FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def _library():
    import chinese_calendar
    from chinese_calendar import constants
    return chinese_calendar, constants


def _name(english: str, holiday_enum) -> str:
    try:
        zh = holiday_enum(english).chinese
    except ValueError:   # a name the package's enum does not know: keep it, both languages alike
        return english
    return _FULL_NAMES.get(zh, zh)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """Every year the package knows, official, with its holidays and 调休 working days by name."""
    try:
        library, constants = _library()
    except ImportError:   # not installed: no default years (deadlines count plain weekdays, provisional)
        return WorkCalendar()
    version = getattr(library, "__version__", "")
    holidays: dict[int, list[tuple[date, str]]] = defaultdict(list)
    workdays: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for day, english in sorted(constants.holidays.items()):
        holidays[day.year].append((day, _name(english, constants.Holiday)))
    for day, english in sorted(constants.workdays.items()):
        workdays[day.year].append((day, _name(english, constants.Holiday)))
    years = []
    for year in sorted(set(holidays) | set(workdays)):
        source = f"国务院办公厅关于{year}年部分节假日安排的通知 (chinese-calendar {version})".replace(" ()", "")
        years.append(CalendarYear(year, OFFICIAL, source, tuple(holidays[year]), tuple(workdays[year])))
    return WorkCalendar(years=tuple(years))


@lru_cache(maxsize=16)
def _merged(city_calendar: WorkCalendar | None) -> WorkCalendar:
    return merge_calendars(default_calendar(), city_calendar)


def calendar_in_force(city_calendar: WorkCalendar | None) -> WorkCalendar:
    """The defaults with the city's own years over them (`city_calendar`: the city package's file)."""
    try:
        return _merged(city_calendar)
    except TypeError:   # not hashable: merge without the cache
        return merge_calendars(default_calendar(), city_calendar)
