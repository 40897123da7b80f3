"""The wall's figures over the store, on SQLite and PostgreSQL: on-time rate and average time to
close over the last seven days, today's new incidents per hour, and the wall's snapshot."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from dashboard.services.closure import closure_figures
from dashboard.services.operations import key_figures
from dashboard.services.wall import incidents_per_hour_today, wall_snapshot
from dashboard.store import schema as t
from tests.integration.test_incident_actions import DISPATCHER, OPERATOR_CG, act, report


def close(services, ref, deadline=None):
    inc = report(services, ref=ref)
    inc = act(services, DISPATCHER, inc, "verify")
    params = {"department": "CG"} | ({"deadline": deadline.isoformat()} if deadline else {})
    inc = act(services, DISPATCHER, inc, "dispatch", params=params)
    inc = act(services, OPERATOR_CG, inc, "accept")
    inc = act(services, OPERATOR_CG, inc, "report_fixed", params={"note": "fixed"})
    return act(services, DISPATCHER, inc, "close")


def test_no_closures_say_so_rather_than_zero(services):
    with services.store.connect() as conn:
        figures = closure_figures(conn, datetime.now(timezone.utc))
    assert figures == {"closed_7d": 0, "on_time_rate": None, "avg_close_seconds": None}


def test_on_time_rate_and_time_to_close(services):
    now = datetime.now(timezone.utc)
    on_time = [close(services, f"ok{n}") for n in range(3)]
    late = close(services, "late", deadline=now + timedelta(hours=1))
    old = close(services, "old")
    with services.store.begin() as conn:
        # one closed late (after its deadline), one closed long ago (outside the window), and all
        # of them created some hours before they were closed
        conn.execute(t.incidents.update().where(t.incidents.c.id == late["id"])
                     .values(closed_at=now + timedelta(hours=2), created_at=now - timedelta(hours=2)))
        conn.execute(t.incidents.update().where(t.incidents.c.id == old["id"])
                     .values(closed_at=now - timedelta(days=9), created_at=now - timedelta(days=10)))
        conn.execute(t.incidents.update().where(t.incidents.c.id.in_([i["id"] for i in on_time]))
                     .values(created_at=now - timedelta(hours=1), closed_at=now))
        figures = closure_figures(conn, now)
        keys = key_figures(services, conn, now)
    assert figures["closed_7d"] == 4
    assert figures["on_time_rate"] == 0.75
    assert abs(figures["avg_close_seconds"] - (3 * 3600 + 4 * 3600) / 4) < 2
    assert {k: keys[k] for k in figures} == figures   # the live "figures" message carries them


def test_new_incidents_per_hour_of_today(services):
    now = datetime.now(timezone.utc)
    ids = [report(services, ref=f"h{n}")["id"] for n in range(3)]
    start = services.day_start(now)
    with services.store.begin() as conn:
        conn.execute(t.incidents.update().where(t.incidents.c.id == ids[0]).values(created_at=start + timedelta(minutes=5)))
        conn.execute(t.incidents.update().where(t.incidents.c.id == ids[1]).values(created_at=start - timedelta(minutes=5)))
        hours = incidents_per_hour_today(services, conn, now)
    assert len(hours) == 24 and sum(hours) == 2   # yesterday's is not today's
    assert hours[0] >= 1 and hours[now.astimezone(services.tz).hour] >= 1


def test_the_wall_snapshot_has_everything_the_wall_draws(services):
    report(services, ref="s1")
    snap = wall_snapshot(services)
    assert set(snap) >= {"segments", "stations", "incidents", "alerts", "figures", "events", "feeds",
                         "hourly_new", "bus_last_id"}
    assert {"on_time_rate", "avg_close_seconds", "closed_7d"} <= set(snap["figures"])
    assert sum(snap["hourly_new"]) == 1
    assert "reporter" not in str(snap)   # never on a wall
    with services.store.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.incidents)).scalar_one() == 1
