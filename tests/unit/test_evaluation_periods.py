"""Periods, previous periods, thresholds and grades, the league table."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
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


# -- #16 item 1: running periods are compared like with like, due only once the deadline passed ------
NOW_DEC_5 = datetime(2026, 12, 5, 15, 13, tzinfo=TZ)


def test_this_month_runs_to_now_and_compares_with_the_same_span_of_last_month():
    p = ev.period("this_month", NOW_DEC_5.date(), TZ, now=NOW_DEC_5)
    assert p.running and p.end == NOW_DEC_5 and p.last_day == date(2026, 12, 5)
    prev = ev.previous(p, TZ)
    assert prev.start == datetime(2026, 11, 1, tzinfo=TZ)
    assert prev.end == datetime(2026, 11, 5, 15, 13, tzinfo=TZ)
    assert (prev.first_day, prev.last_day) == (date(2026, 11, 1), date(2026, 11, 5))


def test_month_to_date_on_the_31st_is_cut_at_the_shorter_previous_month():
    now = datetime(2026, 3, 31, 10, 0, tzinfo=TZ)
    prev = ev.previous(ev.period("this_month", now.date(), TZ, now=now), TZ)
    assert prev.end == datetime(2026, 3, 1, tzinfo=TZ) and prev.last_day == date(2026, 2, 28)


def test_week_to_date_compares_with_the_same_hours_of_last_week():
    now = datetime(2026, 11, 25, 9, 30, tzinfo=TZ)      # Wednesday
    p = ev.period("this_week", now.date(), TZ, now=now)
    prev = ev.previous(p, TZ)
    assert p.end == now and prev.end == now - timedelta(days=7) and prev.first_day == date(2026, 11, 16)


def test_ended_periods_are_unchanged_by_now():
    p = ev.period("last_month", NOW_DEC_5.date(), TZ, now=NOW_DEC_5)
    assert not p.running and p.last_day == date(2026, 11, 30)
    assert ev.previous(p, TZ).first_day == date(2026, 10, 1)


def test_a_case_whose_deadline_has_not_come_is_not_due_yet():
    p = ev.period("this_month", NOW_DEC_5.date(), TZ, now=NOW_DEC_5)
    later = ev.IncidentFacts(1, created_at=NOW_DEC_5 - timedelta(days=1), deadline=NOW_DEC_5 + timedelta(days=3))
    passed = ev.IncidentFacts(2, created_at=NOW_DEC_5 - timedelta(days=3), deadline=NOW_DEC_5 - timedelta(hours=1))
    counts = ev.reference_counts([later, passed], p, NOW_DEC_5)
    assert counts["due"] == 1 and counts["overdue"] == 1


def test_a_running_period_ends_at_the_citys_time_not_utcs():
    from datetime import timezone as tz_utc
    now_utc = datetime(2026, 12, 5, 16, 14, tzinfo=tz_utc.utc)            # 6 Dec 00:14 in Shanghai
    p = ev.period("this_month", date(2026, 12, 6), TZ, now=now_utc)
    assert p.end == now_utc and p.end.isoformat().startswith("2026-12-06T00:14") and p.last_day == date(2026, 12, 6)
