from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dashboard.domain import categories, deadlines, duplicates, routing
from dashboard.domain.city import Department
from dashboard.domain.work_calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=SH)


def test_clock_hours_for_emergencies_and_traffic():
    start = local(2026, 11, 20, 23, 0)   # a Friday night
    clock = deadlines.default_limits_for_kind(categories.TRAFFIC)
    assert deadlines.compute_deadline(start, clock, 1, WorkCalendar(), SH).at == start + timedelta(hours=2)
    clock = deadlines.default_limits_for_kind(categories.EMERGENCY)
    assert deadlines.compute_deadline(start, clock, 2, WorkCalendar(), SH).at == start + timedelta(hours=24)


def test_working_hours_skip_nights_lunch_and_weekends():
    # Friday 16:30 + 2 working hours: 1 h on Friday, 1 h from Monday 09:00
    assert deadlines.add_working_hours(local(2026, 11, 20, 16, 30), 2, SH) == local(2026, 11, 23, 10, 0)
    # 11:30 + 1 h: 30 min before lunch, 30 min after 13:30
    assert deadlines.add_working_hours(local(2026, 11, 23, 11, 30), 1, SH) == local(2026, 11, 23, 14, 0)
    # reported on a Sunday: the clock starts Monday 09:00
    assert deadlines.add_working_hours(local(2026, 11, 22, 10, 0), 0.5, SH) == local(2026, 11, 23, 9, 30)
    # a whole working day is 7 h
    assert deadlines.add_working_hours(local(2026, 11, 23, 9, 0), 7, SH) == local(2026, 11, 23, 17, 30)


def test_component_categories_count_working_hours_by_default():
    # 部件 (a street light): working hours; an event (waterlogging): around the clock
    assert deadlines.default_limits_for_kind(categories.COMPONENT)[3] == deadlines.TimeLimit(72, deadlines.WORK_HOURS)
    assert deadlines.default_limits_for_kind(categories.EVENT)[3] == deadlines.TimeLimit(72, deadlines.HOURS)
    # a category's own limits win over the table; what it leaves out comes from the table
    own = deadlines.limits_from_texts(("", "8wh"), deadlines.default_limits_for_kind(categories.EVENT))
    assert own[2] == deadlines.TimeLimit(8, deadlines.WORK_HOURS) and own[1] == deadlines.TimeLimit(2, deadlines.HOURS)
    assert deadlines.deadline_hours("0102", 2, {("0102", 2): 8}) == 8


def test_routing_prefers_the_district_rule_then_the_city_rule():
    rules = [routing.RoutingRule("0101", None, "CITY"), routing.RoutingRule("0101", "D2", "EAST")]
    assert routing.suggest(rules, "0101", "D2").department == "EAST"
    assert routing.suggest(rules, "0101", "D1").department == "CITY"
    assert routing.suggest(rules, "0999", "D1") is None


def test_default_rules_follow_the_departments():
    depts = (Department("E", "东", "East", ("0101",), ("D2",)), Department("C", "市", "City", ("0101", "0102")))
    rules = routing.default_rules(depts, ["D1", "D2"])
    assert routing.suggest(rules, "0101", "D2").department == "E"
    assert routing.suggest(rules, "0101", "D1").department == "C"
    assert routing.suggest(rules, "0102", "D2").department == "C"


def test_duplicates_same_category_within_distance_and_time():
    t = datetime(2026, 11, 23, tzinfo=timezone.utc)
    me = {"id": 9, "category": "0101", "lat": 32.0, "lon": 118.8, "reported_at": t}
    near = {"id": 1, "category": "0101", "lat": 32.0003, "lon": 118.8, "reported_at": t - timedelta(hours=1)}  # ~33 m
    far = {"id": 2, "category": "0101", "lat": 32.001, "lon": 118.8, "reported_at": t}                         # ~111 m
    other_kind = {"id": 3, "category": "0102", "lat": 32.0, "lon": 118.8, "reported_at": t}
    old = {"id": 4, "category": "0101", "lat": 32.0, "lon": 118.8, "reported_at": t - timedelta(days=2)}
    found = duplicates.likely_duplicates(me, [near, far, other_kind, old])
    assert [f["id"] for f in found] == [1] and 30 < found[0]["distance_m"] < 36
    assert [f["id"] for f in duplicates.likely_duplicates(me, [far], distance_m=150)] == [2]
