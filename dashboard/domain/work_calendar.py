"""The city's working calendar: public holidays and make-up working days (调休) per year.

Contract (issue 14): a year is `official` (with the notice it comes from) or `estimated`; a year
nobody knows counts plain weekdays. Pure: no IO. The default years come from `chinese-calendar`
(loaded by the services side, `dashboard.services.calendar_defaults`), the city package's own file
overrides them year by year: `merge_calendars(defaults, city)`.

A day's name is the holiday it belongs to, in Chinese ("春节"); the English name comes from the
table of the national holidays below, or from the name itself written "中文|English" (a city's own
day off, "建城纪念日|City Day").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

OFFICIAL = "official"
ESTIMATED = "estimated"
STATUSES = (OFFICIAL, ESTIMATED)

# 08:30-12:00 and 13:30-17:30 style windows; a city may set its own in city.toml.
DEFAULT_WORKING_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))

# The national holidays (全国年节及纪念日放假办法) in both languages; short forms too.
HOLIDAY_NAMES_EN: dict[str, str] = {
    "元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Qingming Festival", "清明": "Qingming Festival",
    "劳动节": "Labour Day", "端午节": "Dragon Boat Festival", "端午": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival", "中秋": "Mid-Autumn Festival", "国庆节": "National Day", "国庆": "National Day",
}


def split_name(name: str) -> tuple[str, str]:
    """(Chinese, English) of a holiday's name: "中文|English", a national holiday, or the name twice."""
    zh, sep, en = (name or "").partition("|")
    zh, en = zh.strip(), en.strip()
    if sep and en:
        return zh, en
    return zh, HOLIDAY_NAMES_EN.get(zh, zh)


@dataclass(frozen=True)
class CalendarYear:
    year: int
    status: str                                   # OFFICIAL or ESTIMATED
    source: str = ""                              # the notice it comes from (国办发明电〔…〕)
    holidays: tuple[tuple[date, str], ...] = ()   # (day, name) days off
    workdays: tuple[tuple[date, str], ...] = ()   # (day, name) 调休 working weekend days


@dataclass(frozen=True)
class WorkCalendar:
    years: tuple[CalendarYear, ...] = ()
    working_periods: tuple[tuple[time, time], ...] = DEFAULT_WORKING_PERIODS
    _holidays: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _workdays: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _known: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holidays", {d: n for y in self.years for d, n in y.holidays})
        object.__setattr__(self, "_workdays", {d: n for y in self.years for d, n in y.workdays})
        object.__setattr__(self, "_known", frozenset(y.year for y in self.years))

    def knows(self, year: int) -> bool:
        return year in self._known

    def year(self, year: int) -> CalendarYear | None:
        return next((y for y in self.years if y.year == year), None)

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def workday_name(self, day: date) -> str | None:
        """The holiday a 调休 working day makes up for, or None for an ordinary day."""
        return self._workdays.get(day)

    def is_working_day(self, day: date) -> bool:
        """A weekday that is no holiday, or a 调休 weekend day; plain weekdays in an unknown year."""
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    def periods(self) -> tuple[tuple[time, time], ...]:
        """The working periods of a working day (the default ones when the city set none)."""
        return self.working_periods or DEFAULT_WORKING_PERIODS

    def known_through(self, today: date) -> date | None:
        """The last day of the unbroken run of known years from `today`'s year on; None when even
        today's year is unknown (deadlines are provisional now)."""
        year = today.year
        if not self.knows(year):
            return None
        while self.knows(year + 1):
            year += 1
        return date(year, 12, 31)

    def days_known_left(self, today: date) -> int | None:
        """Days from `today` to the end of the known years (0 on 31 December of the last one)."""
        through = self.known_through(today)
        return None if through is None else (through - today).days


def merge_calendars(defaults: WorkCalendar | None, city: WorkCalendar | None) -> WorkCalendar:
    """The calendar in force: the default years, each replaced by the city's own year where it has
    one (a whole year at a time: the city's file is the truth for the years it lists); the city's
    working periods. Merging a merged calendar with the same city again changes nothing."""
    defaults = defaults or WorkCalendar()
    if city is None:
        return defaults
    own = {y.year: y for y in city.years}
    years = tuple(sorted([y for y in defaults.years if y.year not in own] + list(own.values()),
                         key=lambda y: y.year))
    return WorkCalendar(years=years, working_periods=city.working_periods or defaults.working_periods)


def dates(first: date, last: date):
    """Every day from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
