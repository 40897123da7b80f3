from datetime import datetime, timedelta, timezone

import pytest

from dashboard.domain import aqi, congestion, rules
from dashboard.domain.events import Event


HJ2012 = "hj633-2012"   # these figures are HJ 633-2012's; tests/unit/test_aqi_standards.py has all three standards


def test_iaqi_at_breakpoints_and_between():
    assert aqi.iaqi("pm25", 35, HJ2012) == 50
    assert aqi.iaqi("pm25", 75, HJ2012) == 100
    # (150-100)/(115-75)*(100-75)+100 = 131.25 → 132
    assert aqi.iaqi("pm25", 100, HJ2012) == 132
    assert aqi.iaqi("co", 10, HJ2012) == 100
    assert aqi.iaqi("pm25", 900, HJ2012) == 500


def test_aqi_takes_the_highest_sub_index_and_names_the_primary_pollutants():
    r = aqi.compute({"pm25": 100, "pm10": 120, "no2": 50}, HJ2012)
    assert r.aqi == 132 and r.primary == ("pm25",) and r.level == "light"
    clean = aqi.compute({"pm25": 10, "o3": 50})
    assert clean.primary == () and clean.level == "excellent"   # no primary pollutant at AQI ≤ 50
    assert aqi.compute({}).aqi is None


def test_congestion_index_runs_from_free_flow_to_gridlock():
    assert congestion.congestion_index(60, 60) == 0
    assert congestion.congestion_index(30, 60) == 5.0
    assert congestion.congestion_index(10, 60) == 10
    assert congestion.congestion_index(None, 60) is None
    assert congestion.congestion_level(9.0) == "severe"
    assert congestion.weighted_index([(2.0, 60), (None, 40), (8.0, 60)]) == 5.0


def test_slow_segment_needs_ten_minutes_below_thirty_percent():
    t0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    since, fire = rules.track_slow(15, 60, None, t0)
    assert since == t0 and not fire
    since, fire = rules.track_slow(15, 60, since, t0 + timedelta(minutes=9, seconds=59))
    assert not fire
    since, fire = rules.track_slow(15, 60, since, t0 + timedelta(minutes=10))
    assert fire
    assert rules.track_slow(30, 60, since, t0 + timedelta(minutes=11)) == (None, False)


def test_only_severe_or_extreme_actual_alerts_become_incidents():
    t = datetime(2026, 11, 23, tzinfo=timezone.utc)

    def alert(**p):
        return Event("cap", "alert", "X1", t, {"msg_type": "Alert", "status": "Actual", **p})

    assert rules.alert_draft(alert(severity="Extreme"), "D1").priority == 1
    assert rules.alert_draft(alert(severity="Moderate"), "D1") is None
    assert rules.alert_draft(alert(severity="Severe", status="Exercise"), "D1") is None


def test_case_report_with_unknown_service_code_lands_in_other():
    e = Event("open311", "case_report", "77", datetime(2026, 11, 23, tzinfo=timezone.utc),
              {"service_code": "ZZZ", "description": "something"}, lat=32.0, lon=118.8)
    assert rules.case_report_draft(e, None).category == "0999"


def test_event_validates_its_coordinates_and_kind():
    t = datetime(2026, 11, 23)
    assert Event("x", "alert", "1", t).observed_at.tzinfo is timezone.utc
    with pytest.raises(ValueError):
        Event("x", "alert", "1", t, lat=91)
    with pytest.raises(ValueError):
        Event("x", "nonsense", "1", t)
