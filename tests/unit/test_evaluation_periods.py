"""Periods, previous periods, thresholds and grades, the league table."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.domain import evaluation as ev

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_23 = date(2026, 11, 23)   # a Monday


@pytest.mark.parametrize("kind, first, last", [
    ("this_week", date(2026, 11, 23), date(2026, 11, 29)),
    ("last_week", date(2026, 11, 16), date(2026, 11, 22)),
    ("this_month", date(2026, 11, 1), date(2026, 11, 30)),
    ("last_month", date(2026, 10, 1), date(2026, 10, 31)),
])
def test_named_periods(kind, first, last):
    p = ev.period(kind, MONDAY_23, TZ)
    assert (p.first_day, p.last_day) == (first, last)
    assert p.start == datetime(first.year, first.month, first.day, tzinfo=TZ)
    assert p.start.astimezone(timezone.utc).hour == 16          # local midnight, 8 h before in UTC


def test_previous_periods():
    march = ev.period("custom", MONDAY_23, TZ, date(2026, 3, 1), date(2026, 3, 31))
    assert ev.previous(march, TZ).days == 31
    month = ev.period("this_month", date(2026, 3, 15), TZ)
    prev = ev.previous(month, TZ)
    assert (prev.first_day, prev.last_day) == (date(2026, 2, 1), date(2026, 2, 28))
    week = ev.period("last_week", MONDAY_23, TZ)
    assert ev.previous(week, TZ).first_day == date(2026, 11, 9)
    assert ev.previous(week, TZ).end == week.start


def test_bad_custom_periods_say_why():
    with pytest.raises(ev.PeriodError, match="before"):
        ev.period("custom", MONDAY_23, TZ, date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ev.PeriodError, match="needs"):
        ev.period("custom", MONDAY_23, TZ)
    with pytest.raises(ev.PeriodError, match="unknown"):
        ev.period("fortnight", MONDAY_23, TZ)


def test_thresholds_and_grades():
    th = ev.parse_thresholds(ev.DEFAULT_THRESHOLDS)
    assert ev.grade("on_time_rate", 0.95, th) == "green"
    assert ev.grade("on_time_rate", 0.9, th) == "green"
    assert ev.grade("on_time_rate", 0.85, th) == "amber"
    assert ev.grade("on_time_rate", 0.5, th) == "red"
    assert ev.grade("rework_rate", 0.05, th) == "green"
    assert ev.grade("rework_rate", 0.2, th) == "red"
    assert ev.grade("on_time_rate", None, th) is None
    assert ev.grade("due", 10, th) is None
    with pytest.raises(ValueError, match="better"):
        ev.parse_thresholds("on_time_rate:0.5/0.9")
    with pytest.raises(ValueError):
        ev.parse_thresholds("due:1/2")


def test_league_ranks_and_changes():
    now = {"CG": {"on_time_rate": 0.8, "closure_rate": 0.9, "overdue": 2},
           "JT": {"on_time_rate": 0.9, "closure_rate": 0.9, "overdue": 1},
           "HB": {"on_time_rate": None, "closure_rate": None, "overdue": 0}}
    before = {"CG": {"on_time_rate": 0.95, "closure_rate": 1.0, "overdue": 0},
              "JT": {"on_time_rate": 0.5, "closure_rate": 0.6, "overdue": 4}}
    rows = ev.league(now, before)
    assert [r["code"] for r in rows] == ["JT", "CG", "HB"]
    assert rows[0]["rank_before"] == 2 and rows[1]["rank_before"] == 1
    assert rows[1]["change"]["on_time_rate"] == pytest.approx(-0.15)
    assert rows[2]["change"]["on_time_rate"] is None
