import pytest

from dashboard.domain import workflow as wf

# The closed loop of DESIGN.md, written out by hand: (action, from, to, roles).
TABLE = [
    ("verify", {"reported"}, "verified", {"dispatcher", "admin"}),
    ("reject", {"reported"}, "rejected", {"dispatcher", "admin"}),
    ("merge", {"reported", "verified"}, "merged", {"dispatcher", "admin"}),
    ("dispatch", {"verified", "returned"}, "dispatched", {"dispatcher", "admin", "system"}),
    ("reassign", {"dispatched", "accepted"}, "dispatched", {"dispatcher", "admin"}),
    ("accept", {"dispatched"}, "accepted", {"operator"}),
    ("return", {"dispatched", "accepted"}, "returned", {"operator"}),
    ("report_fixed", {"accepted"}, "fixed", {"operator"}),
    ("close", {"fixed"}, "closed", {"dispatcher", "admin"}),
    ("rework", {"fixed"}, "accepted", {"dispatcher", "admin"}),
    ("reopen", {"closed"}, "dispatched", {"dispatcher", "admin"}),
]
ALL_ROLES = set(wf.ROLES) | {wf.SYSTEM}


@pytest.mark.parametrize("action,sources,target,roles", TABLE)
def test_every_status_and_role_for_each_action(action, sources, target, roles):
    for status in wf.STATUSES:
        for role in ALL_ROLES:
            if status in sources and role in roles:
                assert wf.check_transition(action, status, role, reason="because") == target
            else:
                with pytest.raises(wf.TransitionRefused):
                    wf.check_transition(action, status, role, reason="because")


@pytest.mark.parametrize("action", ["reject", "return", "rework", "reopen"])
def test_actions_that_need_a_reason_refuse_without_one(action):
    t = wf.TRANSITIONS[action]
    status, role = next(iter(t.from_statuses)), next(iter(t.roles - {wf.SYSTEM}))
    for reason in (None, "", "   "):
        with pytest.raises(wf.TransitionRefused, match="needs a reason"):
            wf.check_transition(action, status, role, reason=reason)


def test_final_statuses_allow_nothing_but_reading():
    for status in wf.FINAL_STATUSES:
        for role in ALL_ROLES:
            assert wf.allowed_actions(status, role) == []


def test_non_status_actions_keep_the_status():
    assert wf.check_transition("comment", "accepted", "operator") == "accepted"
    assert wf.check_transition("supervise", "dispatched", "dispatcher") == "dispatched"
    with pytest.raises(wf.TransitionRefused):
        wf.check_transition("supervise", "reported", "dispatcher")


def test_leaders_and_walls_may_change_nothing():
    for status in wf.STATUSES:
        assert wf.allowed_actions(status, wf.LEADER) == []
        assert wf.allowed_actions(status, wf.WALL) == []


def test_unknown_action_names_the_known_ones():
    with pytest.raises(wf.TransitionRefused, match="unknown action 'fly'.*verify"):
        wf.check_transition("fly", "reported", "dispatcher")
