"""The review figures from the per-day roll-ups equal the figures from incident_facts (which equal the
hand-computed ones, test_evaluation_store), for months and a year, and stay equal as incidents change."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from benchmarks.review_figures import HISTORY_COLS, INCIDENT_COLS, generate
from dashboard.domain import evaluation as ev
from dashboard.store import evaluation as facts_store
from dashboard.store import evaluation_trends as trends
from dashboard.store import incident_rollups, schema as t, schema_field

TZ = ZoneInfo("Asia/Shanghai")
OFFSET = 8 * 3600
FIRST = datetime(2026, 1, 1, tzinfo=TZ)
NOW = datetime(2026, 12, 20, 15, 0, tzinfo=timezone.utc)


def fill(store, n: int) -> None:
    incs, hists = [], []
    for incident, history in generate(n, FIRST.astimezone(timezone.utc), 340 * 86400, seed=3):
        incs.append(dict(zip(INCIDENT_COLS, incident)) | {"details": {}})
        hists.extend(dict(zip(HISTORY_COLS, h)) | {"details": {}} for h in history)
    # the inspectors' checks (核查) of every third fix: half of them fail, some still open
    checks = [{"incident_id": h["incident_id"], "inspector": "x", "requested_by": "d", "department": "DEP01",
               "requested_at": h["at"] + timedelta(hours=1),
               "done_at": h["at"] + timedelta(hours=1 + k % 5) if k % 7 else None,
               "result": ("fail" if k % 2 == 0 else "pass") if k % 7 else None}
              for k, h in enumerate(x for x in hists if x["action"] == "report_fixed") if k % 3 == 0]
    with store.begin() as conn:
        conn.execute(t.incidents.insert(), incs)
        conn.execute(t.incident_history.insert(), hists)
        conn.execute(schema_field.verification_tasks.insert(), checks)


def refresh(store) -> None:
    with store.begin() as conn:
        facts_store.refresh_facts(conn, offset_seconds=OFFSET)


def from_facts(store, period, before, dimension, now=NOW):
    """The facts path (the roll-ups left aside)."""
    with store.connect() as conn:
        groups, weekly = facts_store.group_and_week_counts(conn, period, now, dimension)
        from dashboard.store.evaluation_percentiles import percentile
        for name in ("accept", "close"):
            groups["all"][f"{name}_p90"] = percentile(conn, facts_store.Cohorts(conn, period, now), name, None, None)
        groups_before = facts_store.group_counts(conn, before, now, dimension, percentiles=False, with_total=True)
        daily = trends.daily_flow(conn, period, "Asia/Shanghai")
    return {"groups": groups, "groups_before": groups_before, "daily": daily, "weekly": weekly}


def from_rollups(store, period, before, dimension, now=NOW):
    with store.connect() as conn:
        assert incident_rollups.built_offset(conn) == OFFSET
        return incident_rollups.review_aggregates(conn, period, before, now, dimension, OFFSET)


def assert_same(a, b, path=""):
    if isinstance(a, dict):
        assert set(a) == set(b), f"{path}: {sorted(set(a) ^ set(b))}"
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{k}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (path, a, b)
    else:
        assert a == b, (path, a, b)


def periods():
    out = []
    for kind, first, last in (("month", date(2026, 11, 1), date(2026, 11, 30)),
                              ("custom", date(2026, 12, 1), date(2026, 12, 31)),   # today inside: overdue of today
                              ("year", date(2026, 1, 1), date(2026, 12, 31))):
        p = ev.period("custom", NOW.astimezone(TZ).date(), TZ, first, last)
        out.append((p, ev.previous(p, TZ)))
    return out


def test_rollups_equal_the_facts_and_stay_so_as_incidents_change(store):
    fill(store, 3000)
    refresh(store)
    for period, before in periods():
        for dim in ("department", "category", "district"):
            assert_same(from_rollups(store, period, before, dim), from_facts(store, period, before, dim))
    # incidents change: closed late, reopened, moved to another department, deadlines moved
    i = t.incidents.c
    later = NOW - timedelta(hours=1)
    with store.begin() as conn:
        ids = list(conn.execute(sa.select(i.id).order_by(i.id).limit(400)).scalars())
        for k, incident_id in enumerate(ids):
            row = conn.execute(sa.select(t.incidents).where(i.id == incident_id)).one()
            values = {"updated_at": later, "version": row.version + 1}
            if k % 4 == 0:
                values |= {"status": "closed", "closed_at": later}
                action, to = "close", "closed"
            elif k % 4 == 1:
                values |= {"status": "dispatched", "closed_at": None}
                action, to = "reopen", "dispatched"
            elif k % 4 == 2:
                values |= {"department": "DEP99"}
                action, to = "reassign", row.status
                conn.execute(schema_field.verification_tasks.insert().values(
                    incident_id=incident_id, inspector="x", requested_by="d", requested_at=later - timedelta(hours=2),
                    done_at=later, result="fail"))
            else:
                values |= {"deadline": NOW + timedelta(days=3)}
                action, to = "supervise", row.status
            conn.execute(t.incidents.update().where(i.id == incident_id).values(**values))
            conn.execute(t.incident_history.insert().values(
                incident_id=incident_id, version=row.version + 1, action=action, from_status=row.status,
                to_status=to, actor="t", actor_role="dispatcher", at=later, details={}))
    refresh(store)
    for period, before in periods():
        assert_same(from_rollups(store, period, before, "department"), from_facts(store, period, before, "department"))
    # and the same as built from scratch
    with store.connect() as conn:
        r = incident_rollups.rt.incident_day_rollups
        kept = {tuple(x) for x in conn.execute(sa.select(r).where(r.c.n != 0))}
    with store.begin() as conn:
        incident_rollups.rebuild(conn, OFFSET)
    with store.connect() as conn:
        fresh = {tuple(x) for x in conn.execute(sa.select(r).where(r.c.n != 0))}

    def rounded(rows):
        return {tuple(round(v, 3) if isinstance(v, float) else v for v in row) for row in rows}
    assert rounded(kept) == rounded(fresh)


def test_the_review_service_reads_the_rollups_for_the_city_and_the_facts_for_a_drill_down(store):
    fill(store, 500)
    refresh(store)
    p, before = periods()[0]
    with store.connect() as conn:
        offset = incident_rollups.built_offset(conn)
    assert offset == OFFSET
    city = trends.review_aggregates(store, p, before, NOW, "department", "Asia/Shanghai")
    assert_same(city, from_facts(store, p, before, "department"))
    drilled = trends.review_aggregates(store, p, before, NOW, "category", "Asia/Shanghai", {"department": "DEP01"})
    assert set(drilled["groups"]) >= {"all"}


def test_percentiles_of_many_durations_come_off_the_rollups_histograms(store, monkeypatch):
    from dashboard.store import evaluation_percentiles
    fill(store, 1500)
    refresh(store)
    p, before = periods()[2]   # the year: whole weeks and edge days
    exact = from_facts(store, p, before, "department")["groups"]["all"]
    monkeypatch.setattr(evaluation_percentiles, "EXACT_PERCENTILE_LIMIT", 10)
    approx = from_rollups(store, p, before, "department")["groups"]["all"]
    for name in ("accept_p90", "close_p90"):
        # a bucket spans 0.25 %; with a sample this small the neighbours of the 90th rank are farther apart
        assert exact[name] and abs(approx[name] - exact[name]) <= 0.02 * exact[name], (name, approx[name], exact[name])


def test_a_period_to_date_reads_its_last_days_part_from_the_facts(store):
    """This month and this week to date, and the same spans before them, end in the middle of a day: the
    roll-ups give the whole days before it, the facts the part of the last day (due, dispatched, disposal
    and the checks up to that time), so the figures equal the facts path's."""
    fill(store, 3000)
    refresh(store)
    for now in (datetime(2026, 11, 18, 10, 30, tzinfo=TZ), datetime(2026, 11, 1, 0, 30, tzinfo=TZ)):
        for kind in ("this_month", "this_week"):
            p = ev.period(kind, now.date(), TZ, now=now)
            before = ev.previous(p, TZ)
            assert p.running and before.running
            for dim in ("department", "district"):
                assert_same(from_rollups(store, p, before, dim, now), from_facts(store, p, before, dim, now))
