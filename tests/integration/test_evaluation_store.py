"""The review figures computed in SQL equal the hand-computed ones, on SQLite and PostgreSQL: the
October incidents of tests/unit/test_evaluation_figures.py are stored as incidents with their
action history, incident_facts is built from them, and every count is aggregated by the database."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.domain import evaluation as ev
from dashboard.domain.identity import Identity
from dashboard.store import evaluation as store_ev
from dashboard.store.evaluation_percentiles import percentiles_by_histogram
from dashboard.store import schema as t, schema_field
from tests.unit.test_evaluation_figures import EXPECTED_OCTOBER, NOW, OCTOBER, october_cases

SHANGHAI = 8 * 3600


def _utc(dt):
    return dt.astimezone(timezone.utc) if dt else dt


def store_facts(conn, facts: list[ev.IncidentFacts]) -> None:
    """Incidents and the history that makes them what the facts say (timestamps stored in UTC, as
    the services do)."""
    for f in facts:
        f = replace(f, **{k: _utc(getattr(f, k)) for k in ("created_at", "deadline", "dispatched_at",
                                                           "accepted_at", "closed_at", "fixed_at")},
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
        first_fixed = f.fixed_at or base + timedelta(hours=1)
        for n in range(f.fixed_count):
            steps.append(("report_fixed", first_fixed + timedelta(minutes=n * 2), "fixed"))
            if n < reworks:
                steps.append(("rework", first_fixed + timedelta(minutes=n * 2 + 1), "accepted"))
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
        for asked, done, result in f.checks:   # the inspectors' checks (核查) of its fixes
            conn.execute(schema_field.verification_tasks.insert().values(
                incident_id=f.incident_id, inspector="x", department=f.department, requested_by="d",
                requested_at=_utc(asked), done_at=_utc(done), result=result))


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


# -- the disposal rate of a period to date (issue 16) -----------------------------------------------------
def test_a_running_month_in_sql_counts_only_what_fell_due_before_now(store):
    """December to 5 December 15:00 on both databases, edges included (a deadline a minute ago, one exactly
    now, a fix exactly at the deadline, one an hour late, one in November), equals the hand-computed rule;
    the incidents behind the figure are the due ones not disposed."""
    from dashboard.store import evaluation_trends as trends
    from tests.unit.test_evaluation_figures import DEC, DEC_NOW, december_cases
    cases = december_cases()
    with store.begin() as conn:
        store_facts(conn, cases)
        store_ev.refresh_facts(conn, offset_seconds=SHANGHAI)
    before = ev.previous(DEC, DEC_NOW.tzinfo)
    with store.read() as conn:
        got = store_ev.group_counts(conn, DEC, DEC_NOW)["all"]
        got_before = store_ev.group_counts(conn, before, DEC_NOW)["all"]
        behind, total = trends.incidents_behind(conn, DEC, DEC_NOW, "disposal_rate")
    want = ev.reference_counts(cases, DEC, DEC_NOW)
    assert (got["disposal_due"], got["disposed"]) == (want["disposal_due"], want["disposed"]) == (5, 2)
    want_before = ev.reference_counts(cases, before, DEC_NOW)
    assert (got_before["disposal_due"], got_before["disposed"]) == (want_before["disposal_due"],
                                                                    want_before["disposed"])
    assert total == 3 and sorted(r["id"] for r in behind) == [2, 5, 8]


def test_the_first_fix_and_the_checks_follow_the_actions(services):
    """A check failed, the fix redone, a check passed, through the field services: the review's figures move
    at the next refresh (the refresh path), as /api/v1/field/evaluation says."""
    from dashboard.services import evaluation as review, field
    from tests.integration.test_field_work import (DISPATCHER, INSPECTOR, OPERATOR_CG, _with, inspector_report,
                                                   now_cn, perform, photo, to_fixed)
    from dashboard.services.auth import AuthService
    from dashboard.services import intake
    from tests.integration.test_field_work import ADMIN, PASSWORD
    s = _with(services, field_verify_categories="0101")
    intake.ensure_routing_rules(s)
    AuthService(s).add_user(ADMIN, INSPECTOR.username, "inspector", None, PASSWORD)
    field.set_beat(s, ADMIN, INSPECTOR.username, ["D1"], [])
    inc = to_fixed(s, inspector_report(s))
    inc = perform(s, DISPATCHER, inc["id"], "request_verification", inc["version"])
    inc = field.act(s, INSPECTOR, inc["id"], {"action": "verify_fail", "version": inc["version"], "reason": "no"},
                    [("verify", photo(s, taken=now_cn()))])
    review.refresh(s)
    with s.store.read() as conn:
        row = conn.execute(t.incident_facts.select()).one()
    assert row.fixed_at is not None and (row.verify_count, row.verify_failed) == (1, 1)
    inc = perform(s, DISPATCHER, inc["id"], "rework", inc["version"], reason="no")
    inc = field.act(s, OPERATOR_CG, inc["id"], {"action": "report_fixed", "version": inc["version"], "note": "again"},
                    [("after", photo(s, taken=now_cn()))])
    inc = perform(s, DISPATCHER, inc["id"], "request_verification", inc["version"])
    field.act(s, INSPECTOR, inc["id"], {"action": "verify_pass", "version": inc["version"]},
              [("verify", photo(s, taken=now_cn()))])
    figures = review.figures(s, Identity("boss", "leader"), review.ReviewQuery("this_week"), "en")
    assert figures["totals"]["verified"] == 2 and figures["totals"]["verify_fail_rate"] == pytest.approx(0.5)
    assert figures["totals"]["verify_mean"] is not None and figures["totals"]["verify_mean"] >= 0
    with s.store.read() as conn:
        assert conn.execute(t.incident_facts.select()).one().fixed_at == row.fixed_at   # the first fix stays


def test_a_review_read_does_not_wait_for_a_writer_on_sqlite(services):
    """The review reads on Store.read(): on SQLite a deferred BEGIN, so while another connection holds the
    write lock the page's figures are still read (with BEGIN IMMEDIATE they would wait for it), and a writer
    is not held up by a review read in progress."""
    if services.store.dialect != "sqlite":
        pytest.skip("PostgreSQL readers never take the write lock")
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from dashboard.services import evaluation as review
    from dashboard.store import evaluation_trends as trends
    with services.store.begin() as conn:
        store_facts(conn, october_cases())
    review.refresh(services)
    leader = Identity("boss", "leader")
    query = review.ReviewQuery("custom", OCTOBER.first_day, OCTOBER.last_day)
    writer_holds, reader_done = threading.Event(), threading.Event()

    def write():
        with services.store.begin() as conn:    # BEGIN IMMEDIATE: the write lock, held until the review is read
            conn.execute(t.meta.insert().values(key="h16c.test", value={}, updated_at=NOW))
            writer_holds.set()
            assert reader_done.wait(timeout=60), "the review read waited for the writer"
    with ThreadPoolExecutor(max_workers=2) as pool:
        writer = pool.submit(write)
        assert writer_holds.wait(timeout=60)
        view = pool.submit(review.overview, services, leader, query, "en", NOW).result(timeout=60)
        reader_done.set()
        writer.result(timeout=60)
    assert view["figures"]["totals"]["due"] == EXPECTED_OCTOBER["due"]
    # and the other way round: inside a review read, a writer begins and commits
    real_group_counts = trends.daily_flow

    def daily_with_a_write(conn, *args, **kwargs):
        with services.store.begin() as writer_conn:
            writer_conn.execute(t.meta.delete().where(t.meta.c.key == "h16c.test"))
        return real_group_counts(conn, *args, **kwargs)
    from unittest import mock
    from dashboard.store import incident_rollups
    with mock.patch.object(incident_rollups, "built_offset", lambda conn: None), \
            mock.patch.object(trends, "daily_flow", daily_with_a_write):
        found = trends.review_aggregates(services.store, OCTOBER, ev.previous(OCTOBER, OCTOBER.start.tzinfo), NOW,
                                         "department", "Asia/Shanghai", workers=1)
    assert found["groups"]["all"]["due"] == EXPECTED_OCTOBER["due"]


def test_facts_of_an_older_release_are_rebuilt_whole(october):
    """Facts built before revision 0013 have no first-fix time nor checks: the next refresh rewrites all
    of them (and the roll-ups), though no incident changed."""
    f = t.incident_facts.c
    with october.begin() as conn:
        conn.execute(t.incident_facts.update().values(fixed_at=None, verify_count=0))
        value = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == store_ev.WATERMARK_KEY)).scalar()
        conn.execute(t.meta.update().where(t.meta.c.key == store_ev.WATERMARK_KEY)
                     .values(value={k: v for k, v in value.items() if k != "version"}))
        assert store_ev.needs_refresh(conn, SHANGHAI)
        store_ev.refresh_facts(conn, offset_seconds=SHANGHAI)
        assert not store_ev.needs_refresh(conn, SHANGHAI)
        assert conn.execute(sa.select(f.verify_count).where(f.incident_id == 2)).scalar() == 2
        assert conn.execute(sa.select(sa.func.count()).where(f.fixed_at.is_not(None))).scalar() == 4
