"""Many dispatchers and operators acting on the same incidents at once: no lost action, no overwrite,
every conflict reported as 409, every history a valid path through the loop."""
import random
import threading
from collections import Counter

import pytest

from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.services import intake
from dashboard.services.incident_actions import ActionError, perform
from dashboard.store import incidents as incident_store
from tests.integration.test_incident_actions import report

CLIENTS = 16
ROUNDS = 25


def choose(incident: dict, rng: random.Random):
    """An action a real person could pick for what they see, with the role that may do it."""
    status = incident["status"]
    options = {
        "reported": [("verify", "dispatcher", {}), ("reject", "dispatcher", {"reason": "not a case"})],
        "verified": [("dispatch", "dispatcher", {"params": {"department": "CG"}})],
        "dispatched": [("accept", "operator", {}), ("return", "operator", {"reason": "not ours"}),
                       ("reassign", "dispatcher", {"params": {"department": "CG" if incident["department"] != "CG" else "JT"}})],
        "returned": [("dispatch", "dispatcher", {"params": {"department": "CG"}})],
        "accepted": [("report_fixed", "operator", {"params": {"note": "done"}}),
                     ("progress", "operator", {"params": {"text": "working"}})],
        "fixed": [("close", "dispatcher", {}), ("rework", "dispatcher", {"reason": "not good"})],
        "closed": [("reopen", "dispatcher", {"reason": "broken again"})],
    }.get(status, [])
    return rng.choice(options) if options else None


@pytest.mark.timeout(120)
def test_parallel_clients(services):
    intake.ensure_routing_rules(services)
    ids = [report(services, ref=f"c{n}", lat=32.01 + n * 0.002)["id"] for n in range(6)]
    outcomes: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    # Every client first reads the same version of one incident and acts on it at the same moment:
    # exactly one wins, the rest get 409, however busy the machine (no reliance on thread timing).
    everyone_has_read = threading.Barrier(CLIENTS, timeout=60)

    def first_round(n: int):
        with services.store.connect() as conn:
            incident = incident_store.get(conn, ids[0])
        everyone_has_read.wait()
        try:
            perform(services, Identity(f"dispatcher{n}", "dispatcher"), ids[0], "verify", incident["version"])
            result = "ok"
        except ActionError as exc:
            result = exc.status
        with lock:
            outcomes[result] += 1
            first_round_outcomes[result] += 1

    first_round_outcomes: Counter = Counter()

    def client(n: int):
        first_round(n)
        rng = random.Random(n)
        for _ in range(ROUNDS):
            incident_id = rng.choice(ids)
            with services.store.connect() as conn:
                incident = incident_store.get(conn, incident_id)
            picked = choose(incident, rng)
            if not picked:
                continue
            action, role, kw = picked
            who = Identity(f"{role}{n}", role, department=incident["department"] if role == "operator" else None)
            try:
                perform(services, who, incident_id, action, incident["version"], **kw)
                result = "ok"
            except ActionError as exc:
                result = exc.status
                if exc.status not in (409, 422, 403):
                    errors.append(str(exc))
            except Exception as exc:   # anything else is a bug
                errors.append(repr(exc))
                result = "error"
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:5]
    assert first_round_outcomes == Counter({"ok": 1, 409: CLIENTS - 1}), first_round_outcomes
    assert outcomes["ok"] > 20, outcomes

    with services.store.connect() as conn:
        total_entries = 0
        for incident_id in ids:
            history = incident_store.history(conn, incident_id)
            incident = incident_store.get(conn, incident_id)
            total_entries += len(history) - 1
            assert [h["version"] for h in history] == list(range(1, incident["version"] + 1))
            status = workflow.REPORTED
            for entry in history[1:]:
                assert entry["from_status"] == status, (incident_id, entry)
                expected = workflow.check_transition(entry["action"], status, entry["actor_role"],
                                                     entry["reason"] or "given")
                assert entry["to_status"] == expected
                status = entry["to_status"]
            assert status == incident["status"]
    assert total_entries == outcomes["ok"]   # every accepted action is in a history, none twice
