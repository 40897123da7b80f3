"""Every evaluation figure against incidents computed by hand, with the edges: a deadline on each
boundary of the period, a suspended incident, one reopened after closure, nothing due, all suspended.
The same incidents are stored and aggregated in SQL in tests/integration/test_evaluation_store.py."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.domain import evaluation as ev
from dashboard.domain.evaluation import IncidentFacts

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = ev.period("custom", date(2026, 11, 23), TZ, date(2026, 10, 1), date(2026, 10, 31))
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


def october_cases() -> list[IncidentFacts]:
    return [
        # A: closed a day early; its fix checked on site and passed in 2 h
        IncidentFacts(1, at(10, 1, 8), "CG", "0101", "D1", deadline=at(10, 3, 9), dispatched_at=at(10, 1, 9),
                      accepted_at=at(10, 1, 10), fixed_count=1, fixed_at=at(10, 1, 11), closed_at=at(10, 2, 9),
                      lat=32.01, lon=118.71, checks=((at(10, 1, 12), at(10, 1, 14), "pass"),)),
        # B: fixed, check failed (1 h), sent back once, fixed again, check passed (3 h), closed a day late
        IncidentFacts(2, at(10, 5, 8), "CG", "0501", "D2", deadline=at(10, 7, 8), dispatched_at=at(10, 5, 8),
                      accepted_at=at(10, 5, 12), fixed_count=2, fixed_at=at(10, 5, 13), rework_count=1,
                      closed_at=at(10, 8, 8), lat=32.02, lon=118.82,
                      checks=((at(10, 5, 14), at(10, 5, 15), "fail"), (at(10, 6, 9), at(10, 6, 12), "pass"))),
        # C: returned as not theirs, never accepted, never closed
        IncidentFacts(3, at(10, 10), "JT", "1001", "D1", deadline=at(10, 12), dispatched_at=at(10, 10),
                      return_count=1, lat=32.03, lon=118.73),
        # D: deadline exactly at the period's start (inside), dispatched in September, supervised
        # (fixed in September: disposed then, not in October; its check is September's too)
        IncidentFacts(4, at(9, 28), "JT", "1002", "D2", deadline=at(10, 1), dispatched_at=at(9, 28),
                      accepted_at=at(9, 28, 1), fixed_count=1, fixed_at=at(9, 28, 2), closed_at=at(9, 30),
                      supervised=True, checks=((at(9, 28, 3), at(9, 28, 4), "fail"),)),
        # E: deadline exactly at the period's end (outside), dispatched inside
        IncidentFacts(5, at(10, 29), "HB", "1101", "D1", deadline=at(11, 1), dispatched_at=at(10, 29),
                      accepted_at=at(10, 29, 2)),
        # F: suspended with approval: not due, counted as suspended
        IncidentFacts(6, at(10, 13), "HB", "1101", "D2", deadline=at(10, 15), dispatched_at=at(10, 13),
                      accepted_at=at(10, 13, 1), suspended=True),
        # G: closed, then reopened (new deadline, no closing time now): not closed, reworked, overdue;
        # a check still open (no result: not counted)
        IncidentFacts(7, at(10, 20), "CG", "0101", "D1", deadline=at(10, 25), dispatched_at=at(10, 20),
                      accepted_at=at(10, 20, 1), fixed_count=1, fixed_at=at(10, 20, 2), rework_count=1,
                      extra={"reopened": at(10, 22)}, checks=((at(10, 20, 3), None, None),)),
    ]


EXPECTED_OCTOBER = {
    "due": 5, "suspended": 1, "closed": 3, "closed_on_time": 2, "overdue": 3, "supervised": 1,
    "dispatched": 6, "fixed": 3, "reworked": 2, "returned": 1,
    # due for disposal: A, B, G fixed by their deadlines in October, C's deadline passed unfixed (D was
    # fixed in September, E's deadline is November's, F is suspended)
    "disposal_due": 4, "disposed": 3,
    "accept_n": 5, "accept_mean": 6480.0, "accept_p90": 11520.0,
    "close_n": 3, "close_mean": 174000.0, "close_p90": 241920.0,
    "verify_n": 3, "verify_failed": 1, "verify_mean": 7200.0,
}


def test_every_count_of_october_by_hand():
    assert ev.reference_counts(october_cases(), OCTOBER, NOW) == EXPECTED_OCTOBER


def test_every_figure_of_october_by_hand():
    figures = ev.figures_from_counts(EXPECTED_OCTOBER)
    assert figures["closure_rate"] == pytest.approx(3 / 5)
    assert figures["on_time_rate"] == pytest.approx(2 / 5)
    assert figures["disposal_rate"] == pytest.approx(3 / 4)
    assert figures["verify_fail_rate"] == pytest.approx(1 / 3) and figures["verify_mean"] == 7200.0
    assert figures["rework_rate"] == pytest.approx(2 / 3)
    assert figures["return_rate"] == pytest.approx(1 / 6)
    assert (figures["accept_mean"], figures["accept_p90"]) == (6480.0, 11520.0)
    assert (figures["close_mean"], figures["close_p90"]) == (174000.0, 241920.0)
    assert (figures["overdue"], figures["supervised"], figures["due"]) == (3, 1, 5)


def test_deadlines_on_the_boundaries():
    d, e = october_cases()[3], october_cases()[4]
    assert ev.in_due(d, OCTOBER)            # at the start: inside
    assert not ev.in_due(e, OCTOBER)        # at the end: the next period's
    november = ev.period("custom", date(2026, 11, 23), TZ, date(2026, 11, 1), date(2026, 11, 30))
    assert ev.in_due(e, november)


def test_nothing_due_gives_no_rates_rather_than_zero():
    counts = ev.reference_counts([], OCTOBER, NOW)
    figures = ev.figures_from_counts(counts)
    assert counts["due"] == 0 and counts["dispatched"] == 0
    for key in ("closure_rate", "on_time_rate", "disposal_rate", "rework_rate", "return_rate",
                "accept_mean", "accept_p90", "close_mean", "close_p90", "verify_fail_rate", "verify_mean"):
        assert figures[key] is None, key


def test_all_suspended():
    cases = [IncidentFacts(n, at(10, 2), "CG", deadline=at(10, 3 + n), suspended=True, closed_at=at(10, 3))
             for n in range(1, 4)]
    counts = ev.reference_counts(cases, OCTOBER, NOW)
    assert (counts["due"], counts["suspended"], counts["closed"], counts["overdue"]) == (0, 3, 0, 0)
    assert ev.figures_from_counts(counts)["closure_rate"] is None


def test_reopened_then_closed_again_counts_the_last_closing_against_the_new_deadline():
    again = IncidentFacts(1, at(10, 1), "CG", deadline=at(10, 10), dispatched_at=at(10, 1), accepted_at=at(10, 1, 1),
                          fixed_count=2, rework_count=1, closed_at=at(10, 9))
    counts = ev.reference_counts([again], OCTOBER, NOW)
    assert (counts["closed"], counts["closed_on_time"], counts["reworked"], counts["overdue"]) == (1, 1, 1, 0)


def test_percentile_is_percentile_cont():
    assert ev.percentile_cont([]) is None
    assert ev.percentile_cont([5]) == 5
    assert ev.percentile_cont([1, 2]) == pytest.approx(1.9)
    assert ev.percentile_cont(range(11)) == pytest.approx(9.0)


# -- the disposal rate of a period still running (issue 16): like with like ----------------------------
# 5 December 2026, 15:00 in the city; this month to date, compared with 1 November to 5 November 15:00.
DEC_NOW = datetime(2026, 12, 5, 15, 0, tzinfo=TZ)
DEC = ev.period("this_month", DEC_NOW.date(), TZ, now=DEC_NOW)


def december_cases() -> list[IncidentFacts]:
    def case(n, dispatched, deadline, fixed=None, **kw):
        return IncidentFacts(n, dispatched, "CG", deadline=deadline, dispatched_at=dispatched,
                             fixed_count=1 if fixed else 0, fixed_at=fixed, **kw)
    return [
        case(1, at(12, 4, 9), at(12, 6, 9)),                        # dispatched yesterday, deadline to come: not due
        # deadline passed a minute ago: due, not disposed
        case(2, at(12, 4, 9), at(12, 5, 14) + timedelta(minutes=59)),
        case(3, at(12, 4, 9), at(12, 5, 15)),                       # deadline exactly now: not passed, not due
        case(4, at(12, 4, 9), at(12, 7, 9), fixed=at(12, 5, 10)),   # fixed before its deadline: due, disposed
        case(5, at(12, 1, 9), at(12, 3, 9), fixed=at(12, 3, 10)),   # fixed an hour late: due, not disposed
        case(6, at(12, 2, 9), at(12, 3, 9), fixed=at(12, 3, 9)),    # fixed exactly at the deadline: disposed
        case(7, at(11, 28, 9), at(12, 2, 9), fixed=at(11, 30, 9)),  # disposed in November: not December's
        case(8, at(11, 29, 9), at(12, 1, 9)),                       # dispatched in November, due on the 1st: due
        case(9, at(12, 2, 9), at(12, 4, 9), suspended=True),        # suspended with approval: not due
        IncidentFacts(10, at(12, 2, 8), "CG", deadline=at(12, 3, 9)),   # never dispatched: not due
    ]


def test_a_running_month_counts_only_what_fell_due_before_now():
    counts = ev.reference_counts(december_cases(), DEC, DEC_NOW)
    assert DEC.running and DEC.end == DEC_NOW
    due = sorted(f.incident_id for f in december_cases() if ev.in_disposal(f, DEC, DEC_NOW))
    assert due == [2, 4, 5, 6, 8]
    assert (counts["disposal_due"], counts["disposed"]) == (5, 2)
    assert ev.figures_from_counts(counts)["disposal_rate"] == pytest.approx(2 / 5)


def test_the_deadline_edges_of_disposal():
    cases = {f.incident_id: f for f in december_cases()}
    just_passed, exactly_now = cases[2], cases[3]
    assert ev.in_disposal(just_passed, DEC, DEC_NOW) and not ev.disposed_on_time(just_passed)
    assert not ev.in_disposal(exactly_now, DEC, DEC_NOW)
    # a minute later the deadline has passed: now it is due and not disposed
    later = DEC_NOW + timedelta(minutes=1)
    assert ev.in_disposal(exactly_now, ev.period("this_month", later.date(), TZ, now=later), later)
    assert ev.disposed_on_time(cases[6]) and not ev.disposed_on_time(cases[5])
    assert ev.disposal_due_at(cases[5]) == cases[5].deadline and ev.disposal_due_at(cases[4]) == cases[4].fixed_at


def test_the_previous_span_is_measured_at_its_own_end():
    """November to the same day and time: a case whose deadline came after 5 November 15:00 is not due in
    it, even though by now it is long overdue."""
    before = ev.previous(DEC, TZ)
    assert before.end == datetime(2026, 11, 5, 15, 0, tzinfo=TZ)
    late = IncidentFacts(1, at(11, 4), "CG", deadline=at(11, 5, 16), dispatched_at=at(11, 4))
    passed = IncidentFacts(2, at(11, 4), "CG", deadline=at(11, 5, 14), dispatched_at=at(11, 4))
    counts = ev.reference_counts([late, passed], before, DEC_NOW)
    assert (counts["disposal_due"], counts["disposed"]) == (1, 0)
