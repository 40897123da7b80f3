"""Deadlines over the working calendar (issue 14): 2026's Spring Festival and National Day holidays with
their 调休 days (as the State Council's notice for 2026 sets them, transcribed by chinese-calendar), a
year nobody knows, 工作时 vs 工作日, P1 never later than P2, the basis text, the calendar merge and
the admins' warning."""
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from dashboard.domain import categories
from dashboard.domain.deadlines import (HOURS, UNITS, WORK_DAYS, WORK_HOURS, Deadline, TimeLimit, compute_deadline,
                                        default_limits_for_kind, limits_from_texts)
from dashboard.domain.work_calendar import (ESTIMATED, OFFICIAL, CalendarYear, WorkCalendar, merge_calendars,
                                            split_name)
from dashboard.services import deadline_rules
from dashboard.services.calendar_defaults import calendar_in_force, default_calendar

SH = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()


def local(*args):
    return datetime(*args, tzinfo=SH)


def deadline(start, limit, priority=3, calendar=CAL):
    limits = {priority: TimeLimit.parse(limit)} if isinstance(limit, str) else limit
    return compute_deadline(start, limits, priority, calendar, SH)


# -- the default calendar is the State Council's ------------------------------------------------
def test_2026_is_official_with_the_notices_holidays_and_make_up_days():
    year = CAL.year(2026)
    assert year.status == OFFICIAL and "2026年部分节假日安排的通知" in year.source
    off = dict(year.holidays)
    # 春节: 2月15日（周日）至23日（周一）放假调休，共9天；2月14日（周六）、2月28日（周六）上班
    assert all(off[date(2026, 2, d)] == "春节" for d in range(15, 24))
    assert date(2026, 2, 14) not in off and date(2026, 2, 24) not in off
    # 国庆节: 10月1日（周四）至7日（周三）放假调休，共7天；9月20日（周日）、10月10日（周六）上班
    assert all(off[date(2026, 10, d)] == "国庆节" for d in range(1, 8))
    assert off[date(2026, 9, 25)] == "中秋节" and off[date(2026, 1, 1)] == "元旦"
    work = dict(year.workdays)
    assert {d for d, n in work.items() if n == "春节"} == {date(2026, 2, 14), date(2026, 2, 28)}
    assert {d for d, n in work.items() if n == "国庆节"} == {date(2026, 9, 20), date(2026, 10, 10)}
    assert CAL.is_working_day(date(2026, 2, 14)) and not CAL.is_working_day(date(2026, 2, 16))
    assert not CAL.knows(2027)


# -- Spring Festival 2026 -----------------------------------------------------------------------
def test_working_hours_count_the_make_up_saturday_before_spring_festival():
    # Friday 16:00 + 4 工作时: 1.5 h on Friday, 2.5 h on Saturday 14 Feb (调休上班)
    d = deadline(local(2026, 2, 13, 16, 0), "4wh")
    assert d.at == local(2026, 2, 14, 11, 30) and not d.provisional
    assert d.basis_zh == "4 工作时; 含 2月14日（周六）调休上班"
    assert d.basis_en == "4 working hours; includes make-up working day Sat 14 Feb"


def test_working_hours_skip_the_spring_festival_holiday():
    d = deadline(local(2026, 2, 14, 16, 0), "4wh")   # the make-up Saturday, late afternoon
    assert d.at == local(2026, 2, 24, 11, 30)         # 15–23 Feb off; Tuesday 24 Feb
    assert d.basis_zh == "4 工作时; 不含 2月15日–2月23日 春节; 含 2月14日（周六）调休上班"
    assert d.basis_en == ("4 working hours; excludes 15–23 Feb Spring Festival; "
                          "includes make-up working day Sat 14 Feb")


def test_working_days_across_spring_festival_and_its_second_make_up_saturday():
    # from the next day: Sat 14 Feb (调休) is the 1st working day, Tue 24 Feb the 2nd; close of business
    assert deadline(local(2026, 2, 13, 10, 0), "2wd").at == local(2026, 2, 24, 17, 30)
    # Friday 27 Feb + 1 工作日: Saturday 28 Feb is a working day
    d = deadline(local(2026, 2, 27, 10, 0), "1wd")
    assert d.at == local(2026, 2, 28, 17, 30) and "2月28日（周六）调休上班" in d.basis_zh


# -- National Day 2026 --------------------------------------------------------------------------
def test_working_hours_and_days_skip_national_day():
    d = deadline(local(2026, 9, 30, 16, 0), "4wh")
    assert d.at == local(2026, 10, 8, 11, 30)
    assert d.basis_zh == "4 工作时; 不含 10月1日–10月7日 国庆节"
    assert d.basis_en == "4 working hours; excludes 1–7 Oct National Day"
    assert deadline(local(2026, 9, 30, 16, 0), "2wd").at == local(2026, 10, 9, 17, 30)


def test_national_day_make_up_days_are_working_days():
    # Saturday 19 Sep + 2 工作时 → Sunday 20 Sep (调休上班) 11:00
    assert deadline(local(2026, 9, 19, 10, 0), "2wh").at == local(2026, 9, 20, 11, 0)
    # Friday 9 Oct, a full day and an hour → Saturday 10 Oct (调休上班) 10:00
    d = deadline(local(2026, 10, 9, 9, 0), "8wh")
    assert d.at == local(2026, 10, 10, 10, 0) and "includes make-up working day Sat 10 Oct" in d.basis_en
    # without the calendar the same count runs to Monday
    assert deadline(local(2026, 10, 9, 9, 0), "8wh", calendar=WorkCalendar()).at == local(2026, 10, 12, 10, 0)


def test_the_clock_ignores_the_calendar():
    d = deadline(local(2026, 2, 14, 22, 0), "24h")
    assert d.at == local(2026, 2, 15, 22, 0) and d.basis_zh == "24 小时" and d.basis_en == "24 hours"


# -- a year nobody knows ------------------------------------------------------------------------
def test_an_unknown_year_counts_plain_weekdays_and_says_it_is_provisional():
    # Thursday 31 Dec 2026 17:00 + 2 工作时: 30 min, then Friday 1 Jan 2027 counted as a plain weekday
    d = deadline(local(2026, 12, 31, 17, 0), "2wh")
    assert d.at == local(2027, 1, 1, 10, 30) and d.provisional
    assert d.basis_zh == "2 工作时; 2027 年节假日未知，暂按周一至周五计"
    assert d.basis_en == "2 working hours; holidays of 2027 not known: Monday to Friday counted (provisional)"
    d = deadline(local(2027, 2, 5, 10, 0), "3wd")   # Friday → Mon, Tue, Wed
    assert d.at == local(2027, 2, 10, 17, 30) and d.provisional
    assert not deadline(local(2027, 2, 5, 10, 0), "24h").provisional   # the clock needs no calendar


def test_a_city_that_lists_the_year_is_not_provisional():
    own = WorkCalendar(years=(CalendarYear(2027, ESTIMATED, "city estimate", holidays=((date(2027, 1, 1), "元旦"),)),))
    calendar = merge_calendars(CAL, own)
    d = deadline(local(2026, 12, 31, 17, 0), "2wh", calendar=calendar)
    assert d.at == local(2027, 1, 4, 10, 30) and not d.provisional
    assert d.basis_en == "2 working hours; excludes 1 Jan New Year's Day"


# -- 工作时 vs 工作日 ---------------------------------------------------------------------------
def test_working_hours_and_working_days_count_differently():
    monday = local(2026, 11, 23, 10, 0)
    assert deadline(monday, "7wh").at == local(2026, 11, 24, 10, 0)      # 7 h of working time
    assert deadline(monday, "1wd").at == local(2026, 11, 24, 17, 30)     # the next working day, to close
    assert deadline(local(2026, 11, 21, 10, 0), "1wd").at == local(2026, 11, 23, 17, 30)   # from a Saturday
    assert deadline(monday, "1.5wd").at == local(2026, 11, 25, 14, 0)    # + half of a 7 h day: 3 h + 30 min
    assert deadline(monday, "2wd").basis_zh == "2 工作日（次日起算，截至下班）"
    assert deadline(monday, "1wd").basis_en == "1 working day (from the next day, until close of business)"


def test_a_citys_own_working_periods():
    calendar = merge_calendars(CAL, WorkCalendar(working_periods=((time(8, 30), time(12, 0)), (time(14, 0), time(18, 0)))))
    assert deadline(local(2026, 11, 23, 11, 0), "2wh", calendar=calendar).at == local(2026, 11, 23, 15, 0)
    assert deadline(local(2026, 11, 23, 11, 0), "1wd", calendar=calendar).at == local(2026, 11, 24, 18, 0)


def test_the_answer_keeps_the_start_time_zone():
    start = local(2026, 9, 30, 16, 0).astimezone(timezone.utc)
    d = deadline(start, "4wh")
    assert d.at.tzinfo == timezone.utc and d.at == local(2026, 10, 8, 11, 30)


# -- urgent cases count the clock ---------------------------------------------------------------
def test_the_issues_saturday_night_p1_signal_fault_is_not_later_than_a_p2_flood():
    saturday_night = local(2026, 11, 21, 22, 39)
    signal = compute_deadline(saturday_night, default_limits_for_kind(categories.COMPONENT), 1, CAL, SH)
    flood = compute_deadline(saturday_night, default_limits_for_kind(categories.EVENT), 2, CAL, SH)
    assert signal.at == saturday_night + timedelta(hours=2) and signal.at <= flood.at
    assert signal.basis_zh == "2 小时（特急按自然时计；时限表为 2 工作时）"
    assert signal.basis_en == "2 hours (urgent: the clock counts; the table says 2 working hours)"


def test_a_priority_is_capped_by_a_less_urgent_one():
    limits = {1: TimeLimit.parse("36h"), 2: TimeLimit.parse("24h")}
    d = compute_deadline(local(2026, 11, 21, 22, 39), limits, 1, CAL, SH)
    assert d.at == local(2026, 11, 22, 22, 39)
    assert d.basis_zh == "不晚于 P2 时限：24 小时" and d.basis_en == "no later than the P2 limit: 24 hours"
    # P3 in working days over a holiday, P4 on the clock: P3 never later than P4
    limits = {3: TimeLimit.parse("3wd"), 4: TimeLimit.parse("72h")}
    d = compute_deadline(local(2026, 9, 30, 10, 0), limits, 3, CAL, SH)
    assert d.at == local(2026, 10, 3, 10, 0) and d.basis_en.startswith("no later than the P4 limit: 72 hours")


def test_a_priority_missing_from_the_table_takes_a_neighbours_limit():
    monday = local(2026, 11, 23, 10, 0)
    partial = {2: TimeLimit.parse("8h"), 4: TimeLimit.parse("2wd")}
    assert compute_deadline(monday, partial, 3, CAL, SH).at == local(2026, 11, 25, 17, 30)   # P4's, less urgent
    assert compute_deadline(monday, {1: TimeLimit.parse("1h")}, 3, CAL, SH).at == local(2026, 11, 23, 11, 0)
    assert compute_deadline(monday, {}, 3, CAL, SH).at == monday + timedelta(hours=72)      # DEFAULT_HOURS


LIMITS = st.builds(TimeLimit, st.integers(1, 400).map(lambda n: n / 4), st.sampled_from(UNITS))
STARTS = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31),
                      timezones=st.just(SH))


@settings(max_examples=300, deadline=None)
@given(start=STARTS, limits=st.dictionaries(st.sampled_from((1, 2, 3, 4)), LIMITS, min_size=1))
def test_p1_never_later_than_p2_nor_any_priority_later_than_a_less_urgent_one(start, limits):
    ats = [compute_deadline(start, limits, p, CAL, SH).at for p in (1, 2, 3, 4)]
    assert ats[0] <= ats[1] <= ats[2] <= ats[3]
    assert all(at > start for at in ats)


@settings(max_examples=200, deadline=None)
@given(start=STARTS, limit=LIMITS)
def test_a_working_deadline_ends_inside_a_working_period_of_a_working_day(start, limit):
    d = compute_deadline(start, {3: limit}, 3, CAL, SH)
    if limit.unit == HOURS:
        assert d.at == start + timedelta(hours=limit.amount)
        return
    end = d.at.astimezone(SH)
    assert CAL.is_working_day(end.date())
    assert any(b < end.time() <= e for b, e in CAL.periods())
    assert d.provisional == any(not CAL.knows(y) for y in range(start.year, end.year + 1))


# -- the basis text -----------------------------------------------------------------------------
def test_the_issues_example_basis_in_both_languages():
    d = deadline(local(2024, 12, 31, 16, 0), "4wh")   # 2025: only 1 Jan off for 元旦
    assert d.at == local(2025, 1, 2, 11, 30)
    assert d.basis_zh == "4 工作时; 不含 1月1日 元旦"
    assert d.basis_en == "4 working hours; excludes 1 Jan New Year's Day"
    assert d.basis("zh-CN") == d.basis_zh and d.basis("en") == d.basis_en


def test_a_holiday_across_months_and_a_citys_own_day_off():
    city = WorkCalendar(years=(CalendarYear(2026, OFFICIAL, "市政府通知", holidays=(
        (date(2026, 11, 30), "建城纪念日|City Day"), (date(2026, 12, 1), "建城纪念日|City Day")), workdays=()),))
    d = deadline(local(2026, 11, 27, 17, 0), "1wh", calendar=merge_calendars(CAL, city))
    assert d.at == local(2026, 12, 2, 9, 30)
    assert d.basis_zh == "1 工作时; 不含 11月30日–12月1日 建城纪念日"
    assert d.basis_en == "1 working hour; excludes 30 Nov–1 Dec City Day"
    assert split_name("春节") == ("春节", "Spring Festival") and split_name("自定") == ("自定", "自定")


def test_a_record_and_a_dispatchers_own_deadline():
    d = deadline(local(2026, 9, 30, 16, 0), "4wh")
    record = d.record()
    assert record["provisional"] is False and record["zh"] == d.basis_zh and record["en"] == d.basis_en
    assert datetime.fromisoformat(record["at"]) == d.at
    given_ = Deadline.given(local(2026, 12, 24, 12, 0))
    assert given_.basis_zh == "调度员指定" and given_.basis_en == "set by the dispatcher" and not given_.provisional


def test_limits_from_a_package():
    limits = limits_from_texts(("2h", "4wh", "", "3wd"), default_limits_for_kind(categories.EVENT))
    assert limits == {1: TimeLimit(2, HOURS), 2: TimeLimit(4, WORK_HOURS), 3: TimeLimit(72, HOURS),
                      4: TimeLimit(3, WORK_DAYS)}
    assert limits_from_texts({2: "1工作日"})[2] == TimeLimit(1, WORK_DAYS)
    with pytest.raises(ValueError):
        limits_from_texts(("soon",))


# -- the merge: the city's file overrides the default, year by year ----------------------------
def test_the_city_file_overrides_the_default_year_and_adds_years():
    own_2026 = CalendarYear(2026, OFFICIAL, "本市通知", holidays=((date(2026, 2, 16), "春节"),))
    own_2027 = CalendarYear(2027, ESTIMATED, "本市预估", holidays=((date(2027, 2, 8), "春节"),))
    city = WorkCalendar(years=(own_2027, own_2026))
    merged = calendar_in_force(city)
    assert merged.year(2026) == own_2026 and merged.year(2027) == own_2027 and merged.year(2025) == CAL.year(2025)
    assert merged.is_working_day(date(2026, 2, 17))          # the default's 春节 day is gone with its year
    assert not merged.is_working_day(date(2026, 2, 16)) and not merged.is_working_day(date(2027, 2, 8))
    assert [y.year for y in merged.years] == sorted(y.year for y in merged.years)
    assert merge_calendars(merged, city) == merged           # merging again changes nothing
    assert calendar_in_force(None) == CAL


def test_the_calendar_in_force_follows_the_city():
    own = WorkCalendar(years=(CalendarYear(2027, ESTIMATED, "本市预估"),),
                       working_periods=((time(8, 0), time(12, 0)),))
    calendar = deadline_rules.city_calendar(SimpleNamespace(calendar=own))
    assert calendar.knows(2026) and calendar.knows(2027) and calendar.periods() == ((time(8, 0), time(12, 0)),)
    assert deadline_rules.city_calendar(SimpleNamespace()) == CAL   # a city without a calendar: the defaults


def test_a_categorys_own_limits_or_the_built_in_table():
    cat = SimpleNamespace(code="0101", domain=categories.COMPONENT, limits=("1h", "", "", "10wd"))
    city = SimpleNamespace(find_category=lambda code: cat if code == "0101" else None)
    limits = deadline_rules.category_limits(city, "0101")
    assert limits[1] == TimeLimit(1, HOURS) and limits[4] == TimeLimit(10, WORK_DAYS)
    assert limits[2] == TimeLimit(24, WORK_HOURS)    # left out: the table, in working hours for 部件
    bad = SimpleNamespace(find_category=lambda code: SimpleNamespace(domain=categories.EVENT, limits=("soon",)))
    assert deadline_rules.category_limits(bad, "0503") == default_limits_for_kind(categories.EVENT)


# -- the admins' warning ------------------------------------------------------------------------
def test_admins_are_warned_weeks_before_the_calendar_runs_out():
    city = SimpleNamespace(calendar=WorkCalendar())
    status = deadline_rules.calendar_status(city, date(2026, 12, 5), 60)
    assert status["warn"] and status["known_through"] == "2026-12-31" and status["days_left"] == 26
    assert "2026-12-31" in status["message_zh"] and "2027" in status["message_zh"]
    assert "26 days left" in status["message_en"] and "2027" in status["message_en"]
    assert not deadline_rules.calendar_status(city, date(2026, 6, 1), 60)["warn"]
    assert not deadline_rules.calendar_status(city, date(2026, 12, 5), 20)["warn"]
    covered = SimpleNamespace(calendar=WorkCalendar(years=(CalendarYear(2027, ESTIMATED, "本市预估"),)))
    assert deadline_rules.calendar_status(covered, date(2026, 12, 5), 60)["known_through"] == "2027-12-31"
    late = deadline_rules.calendar_status(city, date(2027, 3, 1), 60)
    assert late["warn"] and late["known_through"] is None and "2027" in late["message_en"]


def test_the_header_notice_in_both_languages():
    from layouts.deadlines import calendar_notice
    status = deadline_rules.calendar_status(SimpleNamespace(calendar=None), date(2026, 12, 5), 60)
    zh, en = calendar_notice(status, "zh-CN"), calendar_notice(status, "en")
    assert zh.children == "工作日历 2026-12-31 到期" and zh.title == status["message_zh"]
    assert en.children == "Calendar ends 2026-12-31" and en.title == status["message_en"]
    assert calendar_notice(status | {"warn": False}, "en") is None
    unknown = deadline_rules.calendar_status(SimpleNamespace(calendar=None), date(2027, 3, 1), 60)
    assert calendar_notice(unknown, "zh-CN").children == "2027 年节假日未知"
    assert calendar_notice(unknown, "en").children == "2027 holidays unknown"


def test_the_dispatch_page_shows_the_basis_and_the_provisional_mark():
    from layouts.deadlines import deadline_value
    d = deadline(local(2026, 12, 31, 17, 0), "2wh")
    iso = d.at.astimezone(timezone.utc).isoformat()
    shown = deadline_value("2027-01-01 10:30", iso, {"deadline_basis": d.record()}, "zh-CN")
    when, mark, basis = shown.children
    assert when.children == "2027-01-01 10:30" and mark.children == "暂定" and basis.children == d.basis_zh
    shown = deadline_value("2027-01-01 10:30", iso, {"deadline_basis": d.record()}, "en")
    assert shown.children[1].children == "provisional" and shown.children[2].children == d.basis_en
    # a basis of an earlier deadline, or none: just the time
    assert deadline_value("2027-01-02 10:30", "2027-01-02T02:30:00+00:00", {"deadline_basis": d.record()}, "en") \
        == "2027-01-02 10:30"
    assert deadline_value("2027-01-02 10:30", "2027-01-02T02:30:00+00:00", {}, "en") == "2027-01-02 10:30"
    assert deadline_value(None, None, {}, "en") is None


# -- the time-limit parser ----------------------------------------------------------------------
@given(amount=st.integers(1, 100_000).map(lambda n: n / 4), unit=st.sampled_from(UNITS))
def test_a_time_limit_reads_back_what_it_writes(amount, unit):
    limit = TimeLimit(amount, unit)
    assert TimeLimit.parse(str(limit)) == limit


@given(st.text(max_size=20))
def test_any_text_is_a_time_limit_or_a_clear_error(text):
    try:
        limit = TimeLimit.parse(text)
    except ValueError as exc:
        assert "time limit" in str(exc)
    else:
        assert limit.amount > 0 and limit.unit in UNITS


@pytest.mark.parametrize("text, expected", [("24h", TimeLimit(24, HOURS)), (" 4 工作时 ", TimeLimit(4, WORK_HOURS)),
                                            ("2工作日", TimeLimit(2, WORK_DAYS)), ("1.5wd", TimeLimit(1.5, WORK_DAYS)),
                                            ("8 小时", TimeLimit(8, HOURS))])
def test_time_limits_as_packages_write_them(text, expected):
    assert TimeLimit.parse(text) == expected
