"""The demo city's past (dashboard.demo.history.build_history): the same for the same seed, plausible
rates, and every history a valid walk through the closed loop."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.demo.city import build_city
from dashboard.demo.history import SOURCE_REF_PREFIX, build_history
from dashboard.domain import workflow
from dashboard.domain.geo import point_in_polygon

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 6, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def city():
    return build_city(7)


@pytest.fixture(scope="module")
def past(city):
    return build_history(city, 7, NOW, TZ, days=60)


def by_incident(history):
    out = {}
    for h in history:
        out.setdefault(h["incident_id"], []).append(h)
    return out


def test_same_seed_same_past_and_another_seed_another(city, past):
    again = build_history(city, 7, NOW, TZ, days=60)
    assert again == past
    other, _ = build_history(city, 8, NOW, TZ, days=60)
    assert [i["category"] for i in other[:50]] != [i["category"] for i in past[0][:50]]


def test_a_few_thousand_incidents_over_the_days_asked_for(past):
    incidents, history = past
    assert 2000 <= len(incidents) <= 6000
    created = [i["created_at"] for i in incidents]
    assert min(created) >= NOW - timedelta(days=61) and max(created) < NOW
    assert len({i["id"] for i in incidents}) == len(incidents)
    assert len({i["code"] for i in incidents}) == len(incidents)
    assert all(i["source"] == "open311" and i["source_ref"].startswith(SOURCE_REF_PREFIX) for i in incidents)
    days = Counter(c.astimezone(TZ).date() for c in created)
    assert len(days) >= 58                     # every day has reports


def test_every_history_is_a_valid_walk_through_the_loop(past):
    incidents, history = past
    histories = by_incident(history)
    for inc in incidents:
        steps = histories[inc["id"]]
        assert [h["version"] for h in steps] == list(range(1, len(steps) + 1)) and inc["version"] == len(steps)
        first = steps[0]
        assert first["action"] == "report" and first["from_status"] is None and first["to_status"] == workflow.REPORTED
        assert first["at"] == inc["created_at"]
        status = workflow.REPORTED
        for h in steps[1:]:
            assert h["from_status"] == status, (inc["id"], h)
            assert workflow.check_transition(h["action"], status, h["actor_role"], h["reason"]) == h["to_status"]
            status = h["to_status"]
        assert [h["at"] for h in steps] == sorted(h["at"] for h in steps)
        assert all(h["at"] <= NOW for h in steps)
        assert inc["status"] == status and inc["updated_at"] == steps[-1]["at"]
        assert (inc["closed_at"] is not None) == (status in (workflow.CLOSED, workflow.REJECTED))
        assert inc["supervised"] == any(h["action"] == "supervise" for h in steps)
        assert inc["rework_count"] == sum(1 for h in steps if h["action"] == "rework")
        dispatches = [h for h in steps if h["action"] == "dispatch"]
        if dispatches:
            assert inc["department"] == dispatches[-1]["details"]["department"]
            assert inc["deadline"].isoformat() == dispatches[-1]["details"]["deadline"]
            assert inc["deadline"] > dispatches[-1]["at"]
        else:
            assert inc["department"] is None and inc["deadline"] is None
        for h in steps:   # operators act only on their department's incidents
            if h["actor_role"] == workflow.OPERATOR:
                assert h["actor"].startswith("op-")


def test_the_rates_are_plausible(past):
    incidents, history = past
    n = len(incidents)
    status = Counter(i["status"] for i in incidents)
    actions = Counter(h["action"] for h in history)
    assert 0.85 <= status[workflow.CLOSED] / n <= 0.96           # most of the past is closed
    assert 0.01 <= status[workflow.REJECTED] / n <= 0.06
    open_ = [i for i in incidents if i["status"] in workflow.OPEN_STATUSES]
    assert 0.02 <= len(open_) / n <= 0.10                        # some still open, not a second map's worth
    assert any(i["deadline"] < NOW for i in open_)               # and some of them overdue
    dispatched = sum(1 for i in incidents if i["department"])
    assert 0.03 <= actions["return"] / dispatched <= 0.08
    assert 0.05 <= actions["rework"] / actions["close"] <= 0.11
    assert actions["supervise"] > 0
    closed = [i for i in incidents if i["status"] == workflow.CLOSED]
    on_time = sum(1 for i in closed if i["closed_at"] <= i["deadline"]) / len(closed)
    assert 0.75 <= on_time <= 0.95
    hours = sorted((i["closed_at"] - i["created_at"]).total_seconds() / 3600 for i in closed)
    assert 1 <= hours[len(hours) // 2] <= 96                      # a median of hours to days


def test_places_departments_and_categories_match_the_demo_city(city, past):
    incidents, _ = past
    districts = {d.code: d for d in city.districts}
    departments = {d.code: d for d in city.departments}
    for inc in incidents:
        assert point_in_polygon((inc["lon"], inc["lat"]), districts[inc["district"]].geometry)
        if inc["department"]:
            assert departments[inc["department"]].answers_for(inc["category"], inc["district"])
    assert len({i["district"] for i in incidents}) == len(city.districts)
    assert len({i["department"] for i in incidents if i["department"]}) >= 10
