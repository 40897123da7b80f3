"""The demo workforce takes reported incidents round the closed loop through the real actions (history,
audit, publications), leaves fresh reports to people, skips what a person changed meanwhile, and
stops on the stop event; the demo history fills an empty store once. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.bus import MemoryBus
from dashboard.demo.workforce import DemoWorkforce
from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake
from dashboard.services.incident_actions import perform
from dashboard.store import audit, incidents as incident_store

SYSTEM = Identity("system", "system")
HUMAN = Identity("wang", "dispatcher")


@pytest.fixture
def routed(services):
    intake.ensure_routing_rules(services)
    return services


def report(services, n: int, category: str = "0101") -> dict:
    draft = IncidentDraft(category=category, title=f"井盖破损 {n}", source="open311", source_ref=f"wf-{n}",
                          priority=3, lat=32.01 + n * 0.003, lon=118.72 + n * 0.003, district="D1")
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, SYSTEM, datetime.now(timezone.utc))
    return row


def later(hours: float = 24 * 60) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)


def test_reports_go_round_the_loop_through_the_real_actions(routed):
    s = routed
    ids = [report(s, n)["id"] for n in range(12)]
    workforce = DemoWorkforce(s, speed=1000.0, seed=7)
    assert workforce.work() == 0                      # fresh reports wait for the people at the screens
    for _ in range(15):                               # weeks later: every step is due
        if workforce.work(now=later()) == 0:
            break
    with s.store.connect() as conn:
        rows = [incident_store.get(conn, i) for i in ids]
        histories = {i: incident_store.history(conn, i) for i in ids}
        entries = audit.query(conn, target_type="incident", limit=1000)
    assert {r["status"] for r in rows} <= {workflow.CLOSED, workflow.REJECTED}
    assert sum(r["status"] == workflow.CLOSED for r in rows) >= 9
    for row in rows:
        steps = histories[row["id"]]
        status = workflow.REPORTED
        for h in steps[1:]:   # each a valid transition, made by the demo's people
            assert workflow.check_transition(h["action"], status, h["actor_role"], h["reason"]) == h["to_status"]
            status = h["to_status"]
            assert h["actor"] in ("dispatcher", "dispatcher2", "op-cg")
        if row["status"] == workflow.CLOSED:
            assert [h["action"] for h in steps][:3] == ["report", "verify", "dispatch"]
            assert "accept" in [h["action"] for h in steps] and steps[-1]["action"] == "close"
    actions = [e["action"] for e in entries]
    for action in ("incident_verify", "incident_dispatch", "incident_accept", "incident_report_fixed", "incident_close"):
        assert action in actions
    assert len([a for a in actions if a != "incident_report"]) == sum(len(h) - 1 for h in histories.values())
    assert workforce.done["close"] == sum(r["status"] == workflow.CLOSED for r in rows)


def test_what_a_person_changed_meanwhile_is_skipped(routed):
    s = routed
    inc = report(s, 1)
    workforce = DemoWorkforce(s, speed=1000.0, seed=7)
    stale = workforce.candidates()
    perform(s, HUMAN, inc["id"], "verify", inc["version"])            # the human dispatcher was quicker
    workforce.candidates = lambda limit=0: stale
    assert workforce.work(now=later()) == 0 and workforce.skipped == 1   # a 409, not an exception
    with s.store.connect() as conn:
        history = incident_store.history(conn, inc["id"])
    assert [(h["action"], h["actor"]) for h in history] == [("report", "system"), ("verify", "wang")]
    del workforce.candidates
    assert workforce.work(now=later()) == 1                           # next round it goes on from there
    with s.store.connect() as conn:
        assert incident_store.get(conn, inc["id"])["status"] == workflow.DISPATCHED


def test_the_thread_works_and_stops_on_the_stop_event(routed):
    s = routed
    inc = report(s, 1)
    workforce = DemoWorkforce(s, speed=100_000.0, seed=7, interval=0.05)
    stop = threading.Event()
    thread = workforce.start(stop)
    try:
        for _ in range(200):
            with s.store.connect() as conn:
                if incident_store.get(conn, inc["id"])["status"] not in (workflow.REPORTED, workflow.VERIFIED):
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert workforce.done.get("verify") == 1 or workforce.done.get("reject") == 1


def test_the_demo_history_fills_an_empty_store_once(store, tmp_path):
    from dashboard.config import Settings
    from dashboard.demo.city import build_city
    from dashboard.demo.history import backfill
    from dashboard.services import evaluation
    from dashboard.services.container import Services
    from dashboard.store import reference
    city = build_city(7)
    with store.begin() as conn:
        reference.save_city(conn, city)
    s = Services(replace(Settings(), data_dir=str(tmp_path), demo=False), store, MemoryBus(), city)
    written = backfill(s, days=60)
    assert written > 2000 and backfill(s, days=60) == 0
    leader = Identity("leader", workflow.LEADER)
    for kind in ("this_month", "last_month"):
        figures = evaluation.figures(s, leader, evaluation.ReviewQuery(kind), "en")
        totals = figures["totals"]
        assert totals["due"] > 100 and 0.6 < totals["on_time_rate"] < 1 and totals["close_mean"] > 0
        assert len(figures["league"]) >= 10
    assert evaluation.hot_spots(s, leader, evaluation.ReviewQuery("last_month"))
    inc = report(s, 99, "0101")                     # new incidents carry on after the history's ids
    assert inc["id"] == written + 1
