"""The closed loop through the action service, on SQLite and PostgreSQL."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.services import intake
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import audit, incidents as incident_store, schema as t

DISPATCHER = Identity("wang", "dispatcher")
DISPATCHER2 = Identity("li", "dispatcher")
OPERATOR_CG = Identity("op-cg", "operator", department="CG")
OPERATOR_JT = Identity("op-jt", "operator", department="JT")
LEADER = Identity("boss", "leader")
SYSTEM = Identity("system", "system")


def report(services, category="0101", lat=32.05, lon=118.75, ref="r1"):
    draft = IncidentDraft(category=category, title="井盖缺失", source="test", source_ref=ref, priority=2,
                          lat=lat, lon=lon, district=services.city.district_at(lon, lat))
    with services.store.begin() as conn:
        row, _ = intake.create(services, conn, draft, SYSTEM, datetime.now(timezone.utc))
    return row


@pytest.fixture
def routed(services):
    intake.ensure_routing_rules(services)
    return services


def act(services, who, incident, action, **kw):
    return perform(services, who, incident["id"], action, incident["version"], **kw)


def test_the_whole_loop_with_history_and_audit(routed):
    s = routed
    inc = report(s)
    inc = act(s, DISPATCHER, inc, "verify")
    inc = act(s, DISPATCHER, inc, "dispatch")          # the routing rule suggests 城管局 (CG)
    assert inc["department"] == "CG" and inc["deadline"] > datetime.now(timezone.utc)
    inc = act(s, OPERATOR_CG, inc, "accept")
    inc = act(s, OPERATOR_CG, inc, "progress", params={"text": "crew on the way"})
    inc = act(s, OPERATOR_CG, inc, "report_fixed", params={"note": "new cover fitted",
                                                             "evidence_url": "http://photos.local/1.jpg"})
    inc = act(s, DISPATCHER2, inc, "rework", reason="cover rocks when driven over")
    assert inc["status"] == "accepted" and inc["rework_count"] == 1
    inc = act(s, OPERATOR_CG, inc, "report_fixed", params={"note": "cover re-seated"})
    inc = act(s, DISPATCHER, inc, "close")
    assert inc["status"] == "closed" and inc["closed_at"] is not None
    with s.store.connect() as conn:
        history = incident_store.history(conn, inc["id"])
        entries = audit.query(conn, target_type="incident", target_id=str(inc["id"]))
    assert [h["action"] for h in history] == ["report", "verify", "dispatch", "accept", "progress", "report_fixed",
                                              "rework", "report_fixed", "close"]
    assert [h["version"] for h in history] == list(range(1, 10))
    assert history[6]["reason"] == "cover rocks when driven over" and history[6]["actor"] == "li"
    assert len(entries) == 9 and entries[0]["after"]["status"] == "closed"


def test_permission_department_version_and_transition_each_get_their_answer(routed):
    s = routed
    inc = act(s, DISPATCHER, report(s), "verify")
    with pytest.raises(ActionError) as e:
        act(s, LEADER, inc, "dispatch")
    assert e.value.status == 403
    with pytest.raises(ActionError) as e:
        act(s, DISPATCHER, inc, "close")
    assert e.value.status == 422 and "cannot close an incident that is verified" in e.value.message
    stale = dict(inc)
    inc = act(s, DISPATCHER, inc, "dispatch", params={"department": "CG"})
    with pytest.raises(ActionError) as e:
        act(s, DISPATCHER2, stale, "dispatch", params={"department": "JT"})
    assert e.value.status == 409 and e.value.details["changes"][0]["action"] == "dispatch"
    assert e.value.details["changes"][0]["actor"] == "wang"
    with pytest.raises(ActionError) as e:
        act(s, OPERATOR_JT, inc, "accept")           # another department's incident
    assert e.value.status == 403 and "another department" in e.value.message
    with pytest.raises(ActionError) as e:
        act(s, OPERATOR_CG, inc, "return")           # return needs a reason
    assert e.value.status == 422
    with pytest.raises(ActionError) as e:
        perform(s, DISPATCHER, 999999, "verify", 1)
    assert e.value.status == 404
    with pytest.raises(ActionError) as e:
        perform(s, DISPATCHER, inc["id"], "verify", "2")
    assert e.value.status == 422 and "integer version" in e.value.message


def test_return_and_reassign(routed):
    s = routed
    inc = act(s, DISPATCHER, act(s, DISPATCHER, report(s), "verify"), "dispatch", params={"department": "JT"})
    inc = act(s, OPERATOR_JT, inc, "return", reason="manholes are not ours")
    assert inc["status"] == "returned"
    inc = act(s, DISPATCHER, inc, "dispatch", params={"department": "CG"})
    inc = act(s, DISPATCHER, inc, "reassign", params={"department": "JT"})
    assert inc["department"] == "JT" and inc["status"] == "dispatched"
    with pytest.raises(ActionError, match="already"):
        act(s, DISPATCHER, inc, "reassign", params={"department": "JT"})


def test_merge_keeps_every_report_linked(routed):
    s = routed
    first = report(s, ref="a")
    second = report(s, ref="b", lat=32.0501)            # ~11 m away: a likely duplicate
    assert second["details"]["likely_duplicates"][0]["id"] == first["id"]
    merged = act(s, DISPATCHER, second, "merge", params={"into": first["id"]})
    assert merged["status"] == "merged" and merged["merged_into"] == first["id"]
    with s.store.connect() as conn:
        target = incident_store.get(conn, first["id"])
    assert target["details"]["merged"][0]["source_ref"] == "b"
    with pytest.raises(ActionError, match="into itself"):
        act(s, DISPATCHER, target, "merge", params={"into": first["id"]})


def test_reopen_counts_as_rework_and_sets_a_new_deadline(routed):
    s = routed
    inc = act(s, DISPATCHER, act(s, DISPATCHER, report(s), "verify"), "dispatch", params={"department": "CG"})
    for who, action, kw in ((OPERATOR_CG, "accept", {}), (OPERATOR_CG, "report_fixed", {"params": {"note": "ok"}}),
                            (DISPATCHER, "close", {})):
        inc = act(s, who, inc, action, **kw)
    inc = act(s, DISPATCHER, inc, "reopen", reason="citizen says it is broken again")
    assert inc["status"] == "dispatched" and inc["rework_count"] == 1 and inc["closed_at"] is None


def test_supervise_and_reprioritize_keep_the_status(routed):
    s = routed
    inc = act(s, DISPATCHER, act(s, DISPATCHER, report(s), "verify"), "dispatch",
              params={"department": "CG", "priority": 3})
    old_deadline = inc["deadline"]
    inc = act(s, DISPATCHER, inc, "reprioritize", params={"priority": 1})
    assert inc["priority"] == 1 and inc["deadline"] < old_deadline and inc["status"] == "dispatched"
    inc = act(s, DISPATCHER, inc, "supervise", reason="overdue twice")
    assert inc["supervised"] is True
    with pytest.raises(ActionError, match="already"):
        act(s, DISPATCHER, inc, "supervise")


def test_auto_dispatch_rule_sends_new_incidents_straight_to_the_department(routed):
    s = routed
    with s.store.begin() as conn:
        conn.execute(t.routing_rules.update().where(t.routing_rules.c.category == "0503").values(auto_dispatch=True))
    inc = report(s, category="0503", ref="flood")
    assert inc["status"] == "dispatched" and inc["department"] == "CG" and inc["deadline"] is not None
    with s.store.connect() as conn:
        assert [h["actor"] for h in incident_store.history(conn, inc["id"])] == ["system"] * 3


def test_a_dispatch_deadline_must_be_valid(routed):
    s = routed
    inc = act(s, DISPATCHER, report(s), "verify")
    for bad in ("tomorrow", (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()):
        with pytest.raises(ActionError) as e:
            act(s, DISPATCHER, inc, "dispatch", params={"department": "CG", "deadline": bad})
        assert e.value.status == 422
    with pytest.raises(ActionError, match="unknown department"):
        act(s, DISPATCHER, inc, "dispatch", params={"department": "NOPE"})
    with s.store.connect() as conn:   # nothing was written by the refused attempts
        assert conn.execute(sa.select(t.incidents.c.version).where(t.incidents.c.id == inc["id"])).scalar() == inc["version"]
