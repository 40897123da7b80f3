"""Incident statuses and the closed loop of 数字城管 (see DESIGN.md): which action moves which status."""
from __future__ import annotations

from dataclasses import dataclass

REPORTED = "reported"      # 信息收集
VERIFIED = "verified"      # 案卷建立
REJECTED = "rejected"      # not a valid case; final
DISPATCHED = "dispatched"  # 任务派遣
ACCEPTED = "accepted"      # 任务处理
RETURNED = "returned"      # 退回
FIXED = "fixed"            # 处理反馈
CLOSED = "closed"          # 核查结案
MERGED = "merged"          # folded into another incident; final

STATUSES = (REPORTED, VERIFIED, REJECTED, DISPATCHED, ACCEPTED, RETURNED, FIXED, CLOSED, MERGED)
FINAL_STATUSES = frozenset({REJECTED, MERGED})
OPEN_STATUSES = frozenset({REPORTED, VERIFIED, DISPATCHED, ACCEPTED, RETURNED, FIXED})

ADMIN = "admin"
DISPATCHER = "dispatcher"
OPERATOR = "operator"      # department operator, bound to one department
LEADER = "leader"
WALL = "wall"
INSPECTOR = "inspector"    # 监督员: reports from the street, verifies fixes (核查) on a beat (issue 18)
ROLES = (ADMIN, DISPATCHER, OPERATOR, LEADER, WALL, INSPECTOR)
SYSTEM = "system"          # routing rules and feed rules act as the system


@dataclass(frozen=True)
class Transition:
    action: str
    from_statuses: frozenset[str]
    to_status: str | None          # None: the status does not change
    roles: frozenset[str]
    needs_reason: bool = False
    counts_as_rework: bool = False


_DISPATCH_ROLES = frozenset({DISPATCHER, ADMIN})
_DEPT_ROLES = frozenset({OPERATOR})
_ANY_OPEN = OPEN_STATUSES

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("verify", frozenset({REPORTED}), VERIFIED, _DISPATCH_ROLES),
    Transition("reject", frozenset({REPORTED}), REJECTED, _DISPATCH_ROLES, needs_reason=True),
    Transition("merge", frozenset({REPORTED, VERIFIED}), MERGED, _DISPATCH_ROLES),
    Transition("dispatch", frozenset({VERIFIED, RETURNED}), DISPATCHED, _DISPATCH_ROLES | {SYSTEM}),
    Transition("reassign", frozenset({DISPATCHED, ACCEPTED}), DISPATCHED, _DISPATCH_ROLES),
    Transition("accept", frozenset({DISPATCHED}), ACCEPTED, _DEPT_ROLES),
    Transition("return", frozenset({DISPATCHED, ACCEPTED}), RETURNED, _DEPT_ROLES, needs_reason=True),
    Transition("report_fixed", frozenset({ACCEPTED}), FIXED, _DEPT_ROLES),
    Transition("close", frozenset({FIXED}), CLOSED, _DISPATCH_ROLES),
    Transition("rework", frozenset({FIXED}), ACCEPTED, _DISPATCH_ROLES, needs_reason=True,
               counts_as_rework=True),
    Transition("reopen", frozenset({CLOSED}), DISPATCHED, _DISPATCH_ROLES, needs_reason=True,
               counts_as_rework=True),
    Transition("comment", _ANY_OPEN | {CLOSED}, None, _DISPATCH_ROLES | _DEPT_ROLES),
    Transition("progress", frozenset({ACCEPTED}), None, _DEPT_ROLES),
    Transition("supervise", _ANY_OPEN - {REPORTED, VERIFIED}, None, _DISPATCH_ROLES),
    Transition("reprioritize", _ANY_OPEN, None, _DISPATCH_ROLES),
    # 核查 (issue 18): the center sends an inspector to check a fix on site; the result is recorded on
    # the case (a failed check is followed by the dispatcher's rework); close may require a pass.
    Transition("request_verification", frozenset({FIXED}), None, _DISPATCH_ROLES),
    Transition("verify_pass", frozenset({FIXED}), None, frozenset({INSPECTOR})),
    Transition("verify_fail", frozenset({FIXED}), None, frozenset({INSPECTOR}), needs_reason=True),
)}

ACTIONS = tuple(TRANSITIONS)


class TransitionRefused(Exception):
    """An action that the closed loop does not allow; the message says why."""


def check_transition(action: str, status: str, role: str, reason: str | None = None) -> str:
    """Return the status after `action`, or raise TransitionRefused with a clear reason."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"unknown action {action!r}; known actions: {', '.join(ACTIONS)}")
    if role not in transition.roles:
        raise TransitionRefused(f"role {role!r} may not {action}")
    if status not in transition.from_statuses:
        allowed = ", ".join(sorted(transition.from_statuses))
        raise TransitionRefused(
            f"cannot {action} an incident that is {status}; allowed from: {allowed}")
    if transition.needs_reason and not (reason and reason.strip()):
        raise TransitionRefused(f"{action} needs a reason")
    return transition.to_status or status


def allowed_actions(status: str, role: str) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if status in t.from_statuses and role in t.roles]
