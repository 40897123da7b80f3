"""The review figures computed in SQL equal the hand-computed ones, on SQLite and PostgreSQL: the
October incidents of tests/unit/test_evaluation_figures.py are stored as incidents with their
action history, incident_facts is built from them, and every count is aggregated by the database."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta, timezone

import pytest

from dashboard.domain import evaluation as ev
from dashboard.domain.identity import Identity
from dashboard.store import evaluation as store_ev
from dashboard.store.evaluation_percentiles import percentiles_by_histogram
from dashboard.store import schema as t
from tests.unit.test_evaluation_figures import EXPECTED_OCTOBER, NOW, OCTOBER, october_cases

SHANGHAI = 8 * 3600


def _utc(dt):
    return dt.astimezone(timezone.utc) if dt else dt


def store_facts(conn, facts: list[ev.IncidentFacts]) -> None:
    """Incidents and the history that makes them what the facts say (timestamps stored in UTC, as
    the services do)."""
    for f in facts:
        f = replace(f, **{k: _utc(getattr(f, k)) for k in ("created_at", "deadline", "dispatched_at",
                                                           "accepted_at", "closed_at")},
                    extra={k: _utc(v) for k, v in f.extra.items()})
        steps = [("report", f.created_at, "reported"), ("verify", f.created_at, "verified")]
        if f.dispatched_at:
            steps.append(("dispatch", f.dispatched_at, "dispatched"))
        for n in range(f.return_count):
            steps += [("return", f.dispatched_at + timedelta(minutes=10 + n), "returned")]
        if f.accepted_at:
            steps.append(("accept", f.accepted_at, "accepted"))
        reopened = f.extra.get("reopened")
        reworks = f.rework_count - (1 if reopened else 0)
        base = f.accepted_at or f.dispatched_at or f.created_at
        for n in range(f.fixed_count):
            steps.append(("report_fixed", base + timedelta(hours=1, minutes=n * 2), "fixed"))
            if n < reworks:
                steps.append(("rework", base + timedelta(hours=1, minutes=n * 2 + 1), "accepted"))
        if f.suspended:
            steps.append(("suspend", base + timedelta(minutes=30), steps[-1][2]))
        if reopened:
            steps += [("close", reopened - timedelta(hours=1), "closed"), ("reopen", reopened, "dispatched")]
        if f.closed_at:
            steps.append(("close", f.closed_at, "closed"))
        last = max(s[1] for s in steps)
        conn.execute(t.incidents.insert().values(
            id=f.incident_id, code=f"C{f.incident_id}", category=f.category, priority=3, title=f"case {f.incident_id}",
            description="", status=steps[-1][2], version=len(steps), district=f.district, department=f.department,
            deadline=f.deadline, lat=f.lat, lon=f.lon, source="test", source_ref=str(f.incident_id),
            reported_at=f.created_at, created_at=f.created_at, updated_at=last, closed_at=f.closed_at,
            rework_count=f.rework_count, supervised=f.supervised, details={}))
        for version, (action, when, status) in enumerate(steps, 1):
            conn.execute(t.incident_history.insert().values(
                incident_id=f.incident_id, version=version, action=action, from_status=None, to_status=status,
                actor="test", actor_role="dispatcher", at=when, reason=None, details={}))


@pytest.fixture
def october(store):
    with store.begin() as conn:
        store_facts(conn, october_cases())
        assert store_ev.refresh_facts(conn, offset_seconds=SHANGHAI) in (7, -1)
    return store


def test_the_city_figures_equal_the_hand_computed_ones(october):
    with october.connect() as conn:
        counts = store_ev.group_counts(conn, OCTOBER, NOW)["all"]
    for key, expected in EXPECTED_OCTOBER.items():
        assert counts[key] == pytest.approx(expected), key


@pytest.mark.parametrize("dimension", ev.DIMENSIONS)
def test_every_group_equals_the_reference(october, dimension):
    cases = october_cases()
    with october.connect() as conn:
        groups = store_ev.group_counts(conn, OCTOBER, NOW, dimension, with_total=True)
        assert groups.pop("all")["due"] == EXPECTED_OCTOBER["due"]
        alone = {v: store_ev.group_counts(conn, OCTOBER, NOW, filters={dimension: v})["all"]
                 for v in {getattr(f, dimension) for f in cases}}
    for value, one in alone.items():
        expected = ev.reference_counts([f for f in cases if getattr(f, dimension) == value], OCTOBER, NOW)
        got = groups.get(value)
        if got is None:     # nothing of this group due or dispatched in the period
            assert expected["due"] == expected["dispatched"] == 0
            continue
        for key, want in expected.items():
            if not key.endswith("_p90"):      # the breakdown carries counts and means
                assert got[key] == pytest.approx(want), (dimension, value, key)
            assert one[key] == pytest.approx(want), (dimension, value, key)


def test_drill_down_filters_and_department_scope(october):
    with october.connect() as conn:
        cg = store_ev.group_counts(conn, OCTOBER, NOW, "category", filters={"department": "CG"})
        scoped = store_ev.group_counts(conn, OCTOBER, NOW, department_scope="JT")["all"]
    assert set(cg) == {"0101", "0501"}
    assert cg["0101"]["due"] == 2 and cg["0101"]["reworked"] == 1
    assert scoped["due"] == 2 and scoped["returned"] == 1 and scoped["dispatched"] == 1
    with pytest.raises(ValueError):
        store_ev.group_counts(october.connect(), OCTOBER, NOW, "reporter_phone")


def test_nothing_in_the_period(october):
    empty = ev.period("custom", NOW.date(), NOW.tzinfo, NOW.date().replace(year=2025), NOW.date().replace(year=2025))
    with october.connect() as conn:
        counts = store_ev.group_counts(conn, empty, NOW)["all"]
    figures = ev.figures_from_counts(counts)
    assert counts["due"] == 0 and figures["closure_rate"] is None and figures["close_p90"] is None


def test_facts_follow_actions_incrementally(services):
    """An action through the action service moves the figures at the next refresh."""
    from dashboard.services.incident_actions import perform
    from tests.integration.test_incident_actions import report
    dispatcher = Identity("d", "dispatcher")
    incident = report(services)
    incident = perform(services, dispatcher, incident["id"], "verify", incident["version"])
    with services.store.begin() as conn:
        assert store_ev.refresh_facts(conn) != 0
        assert store_ev.refresh_facts(conn) == 0          # nothing changed since
        row = conn.execute(t.incident_facts.select()).one()
        assert row.dispatched_at is None
    incident = perform(services, dispatcher, incident["id"], "dispatch", incident["version"],
                       params={"department": "CG"})
    with services.store.begin() as conn:
        assert store_ev.needs_refresh(conn)
        store_ev.refresh_facts(conn)
        row = conn.execute(t.incident_facts.select()).one()
    assert row.dispatched_at is not None and row.department == "CG" and row.deadline is not None


def test_trends_per_day_and_week(october):
    from dashboard.store import evaluation_trends as trends
    with october.connect() as conn:
        daily = {d["day"]: (d["created"], d["closed"]) for d in trends.daily_flow(conn, OCTOBER, "Asia/Shanghai")}
        weekly = trends.weekly_on_time(conn, OCTOBER, NOW, "Asia/Shanghai")
    assert len(daily) == 31
    assert {d: v for d, v in daily.items() if v != (0, 0)} == {
        "2026-10-01": (1, 0), "2026-10-02": (0, 1), "2026-10-05": (1, 0), "2026-10-08": (0, 1),
        "2026-10-10": (1, 0), "2026-10-13": (1, 0), "2026-10-20": (1, 0), "2026-10-29": (1, 0)}
    assert [(w["week"], w["due"], w["on_time"]) for w in weekly] == [
        ("2026-09-28", 2, 2), ("2026-10-05", 1, 0), ("2026-10-12", 1, 0), ("2026-10-19", 1, 0)]


def test_a_new_utc_offset_rebuilds_the_calendar_days(october):
    with october.begin() as conn:
        assert not store_ev.needs_refresh(conn, SHANGHAI)
        assert store_ev.needs_refresh(conn, 0)
        store_ev.refresh_facts(conn, offset_seconds=0)
        row = conn.execute(t.incident_facts.select().where(t.incident_facts.c.incident_id == 4)).one()
    assert row.deadline_day == (date(2026, 9, 30) - date(1970, 1, 1)).days   # 1 Oct 00:00 in Shanghai is 30 Sep UTC


def test_the_histogram_percentile_is_within_a_quarter_percent(store):
    """Large cohorts on PostgreSQL read p90 off a logarithmic histogram: checked against the exact one."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite always computes the exact percentile (window over the ordered durations)")
    import random
    rng = random.Random(3)
    start = NOW - timedelta(days=60)
    cases = []
    for n in range(1, 2001):
        created = start + timedelta(minutes=n)
        cases.append(ev.IncidentFacts(n, created, "CG", "0101", "D1", deadline=created + timedelta(days=40),
                                      dispatched_at=created,
                                      accepted_at=created + timedelta(seconds=rng.expovariate(1 / 5000)),
                                      fixed_count=1,
                                      closed_at=created + timedelta(seconds=60 + rng.expovariate(1 / 90000))))
    with store.begin() as conn:
        store_facts(conn, cases)
        store_ev.refresh_facts(conn, offset_seconds=SHANGHAI)
    period = ev.period("custom", NOW.date(), NOW.tzinfo, (start - timedelta(days=1)).date(), NOW.date())
    exact = ev.reference_counts(cases, period, NOW)
    with store.connect() as conn:
        got = percentiles_by_histogram(conn, store_ev.Cohorts(conn, period, NOW), ["accept", "close"], None, None)
    for name in ("accept", "close"):
        assert got[f"{name}_p90"] == pytest.approx(exact[f"{name}_p90"], rel=0.0025), name


@pytest.mark.parametrize("dimension", ev.DIMENSIONS)
def test_one_scan_by_group_and_week_equals_the_separate_ones(october, dimension):
    from dashboard.store import evaluation_trends as trends
    with october.connect() as conn:
        groups, weekly = store_ev.group_and_week_counts(conn, OCTOBER, NOW, dimension)
        separate = store_ev.group_counts(conn, OCTOBER, NOW, dimension, percentiles=False, with_total=True)
        assert weekly == trends.weekly_on_time(conn, OCTOBER, NOW, "Asia/Shanghai")
    assert set(groups) == set(separate)
    for grp, counts in separate.items():
        for key, value in counts.items():
            assert groups[grp][key] == pytest.approx(value), (grp, key)
