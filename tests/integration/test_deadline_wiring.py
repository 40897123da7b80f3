"""Deadlines of the city in force through the real services (issue 14): each dispatch keeps its
deadline's basis on the incident, a deadline in a year nobody knows is marked provisional, and admins
are warned on /healthz and in the header before the working calendar runs out."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from dashboard.domain.work_calendar import ESTIMATED, CalendarYear, WorkCalendar
from dashboard.services.deadline_rules import DETAILS_KEY, city_calendar
from dashboard.store import incidents as incident_store
from dashboard.web.server import build_server
from tests.conftest import services_on
from tests.integration.test_incident_actions import DISPATCHER, act, report, routed  # noqa: F401 (fixture)


def _basis(inc: dict) -> dict:
    basis = inc["details"][DETAILS_KEY]
    assert datetime.fromisoformat(basis["at"]) == inc["deadline"]   # the basis of this very deadline
    return basis


def test_each_deadline_keeps_its_basis_on_the_incident(routed):   # noqa: F811
    s = routed
    inc = act(s, DISPATCHER, act(s, DISPATCHER, report(s), "verify"), "dispatch",
              params={"department": "CG", "priority": 2})
    basis = _basis(inc)
    assert basis["zh"].startswith("24 工作时") and basis["en"].startswith("24 working hours")   # 0101: 部件
    assert basis["provisional"] == ("(provisional)" in basis["en"])   # late in the last known year it may be
    inc = act(s, DISPATCHER, inc, "reprioritize", params={"priority": 1})
    dispatched_at = datetime.fromisoformat(inc["details"]["dispatched_at"])
    assert inc["deadline"] == dispatched_at + timedelta(hours=2)   # 特急 counts the clock
    assert _basis(inc)["zh"] == "2 小时（特急按自然时计；时限表为 2 工作时）"
    later = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    inc = act(s, DISPATCHER, inc, "reassign", params={"department": "JT", "deadline": later.isoformat()})
    assert inc["deadline"] == later and _basis(inc)["en"] == "set by the dispatcher"


def test_a_deadline_in_a_year_nobody_knows_is_provisional(routed):   # noqa: F811
    s = routed
    inc = act(s, DISPATCHER, act(s, DISPATCHER, report(s), "verify"), "dispatch", params={"department": "CG"})
    # as if it had been dispatched on the last afternoon of the last year the calendar knows
    last = max(y.year for y in city_calendar(s.city).years)
    start = datetime(last, 12, 31, 8, 0, tzinfo=timezone.utc)   # 16:00 in the city
    with s.store.begin() as conn:
        incident_store.update(conn, inc["id"], inc["version"], {"details": inc["details"] | {
            "dispatched_at": start.isoformat()}})
        inc = incident_store.get(conn, inc["id"])
    inc = act(s, DISPATCHER, inc, "reprioritize", params={"priority": 3})   # 72 工作时: into the next year
    basis = _basis(inc)
    assert basis["provisional"] is True
    assert f"{last + 1} 年节假日未知" in basis["zh"] and f"holidays of {last + 1} not known" in basis["en"]


@pytest.fixture
def with_calendar(sqlite_store, small_city, tmp_path):
    """services(own years, warn_days): the small city with its own calendar years and warning setting."""
    def build(years: tuple[int, ...], warn_days: int):
        own = WorkCalendar(years=tuple(CalendarYear(y, ESTIMATED, "本市预估") for y in years))
        return services_on(sqlite_store, replace(small_city, calendar=own), tmp_path, calendar_warn_days=warn_days)
    return build


def test_healthz_warns_before_the_calendar_runs_out(with_calendar):
    this_year = datetime.now(timezone.utc).year
    services = with_calendar((this_year,), 400)   # the year ends within 400 days: warned
    r = build_server(services).test_client().get("/healthz")
    assert r.status_code == 200
    calendar = r.json["calendar"]
    assert calendar["warn"] is True and calendar["known_through"] >= f"{this_year}-12-31"
    assert str(calendar["next_unknown_year"]) in calendar["message_en"] and "暂按周一至周五" in calendar["message_zh"]
    assert "connectors" in r.json   # the feeds' report is still there


def test_healthz_quiet_while_the_calendar_reaches_far_enough(with_calendar):
    this_year = datetime.now(timezone.utc).year
    services = with_calendar((this_year, this_year + 1, this_year + 2), 60)
    calendar = build_server(services).test_client().get("/healthz").json["calendar"]
    assert calendar["warn"] is False and calendar["known_through"] == f"{this_year + 2}-12-31"
    assert calendar["days_left"] == (date(this_year + 2, 12, 31) - datetime.now(services.tz).date()).days


def test_only_admins_get_the_header_notice(with_calendar):
    from dashboard.web.app import _admin_notice
    services = with_calendar((datetime.now(timezone.utc).year,), 400)
    notice = _admin_notice(services, "admin", "en")
    assert notice is not None and notice.className == "calendar-notice" and "Calendar ends" in notice.children
    assert "工作日历" in _admin_notice(services, "admin", "zh-CN").children
    assert _admin_notice(services, "dispatcher", "en") is None and _admin_notice(services, None, "en") is None
