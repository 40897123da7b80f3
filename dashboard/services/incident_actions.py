"""Every incident action is one command: validate, check permission, department and version, write the
incident, its history entry and the audit entry in one transaction, then publish.

`perform()` runs the shared steps; each action's own rules are in its command function below
(`verify`, `dispatch`, …), registered in COMMANDS.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import exc as sa_exc

from dashboard.bus import BusUnavailable
from dashboard.domain import routing, workflow
from dashboard.domain.deadlines import Deadline
from dashboard.domain.identity import Identity
from dashboard.store import audit, incidents as incident_store, routing as routing_store, utcnow
from dashboard.store.incidents import VersionMismatch

from . import deadline_rules, features
from .container import Services

log = logging.getLogger(__name__)


@dataclass
class ActionError(Exception):
    status: int
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, **self.details}}


def forbidden(message: str) -> ActionError:
    return ActionError(403, message)


def invalid(message: str, **details) -> ActionError:
    return ActionError(422, message, details)


@dataclass
class Context:
    services: Services
    conn: Any
    identity: Identity
    incident: dict
    params: dict[str, Any]
    reason: str | None
    now: datetime


Command = Callable[[Context], dict[str, Any]]   # returns the incident columns to change
COMMANDS: dict[str, Command] = {}
TRACKED = ("status", "department", "deadline", "priority", "category", "supervised", "merged_into", "rework_count")


def command(name: str):
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn
    return register


def perform(services: Services, identity: Identity, incident_id: int, action: str, version: Any,
            reason: str | None = None, params: dict[str, Any] | None = None,
            remote_addr: str | None = None) -> dict:
    """Run one action; returns the incident as it is afterwards. Raises ActionError (403/404/409/422,
    503 when the database does not answer: the transaction is then rolled back or never committed)."""
    try:
        return _perform(services, identity, incident_id, action, version, reason, params, remote_addr)
    except ActionError as exc:
        if exc.status == 403:   # refused attempts are audited too (their own transaction)
            from .refusals import record
            record(services, identity, f"incident_{action}", str(exc), remote_addr, "incident", incident_id)
            exc.audited = True
        raise
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        log.warning("incident %s: %s failed, the database did not answer: %s", incident_id, action, exc)
        raise ActionError(503, "the database did not answer, so this action may not have been recorded; "
                               "reload the incident and try again (a repeat is refused if it was)") from None


def _perform(services: Services, identity: Identity, incident_id: int, action: str, version: Any,
             reason: str | None, params: dict[str, Any] | None, remote_addr: str | None) -> dict:
    if action not in COMMANDS:
        raise invalid(f"unknown action {action!r}; known actions: {', '.join(COMMANDS)}")
    if isinstance(version, bool) or not isinstance(version, int):
        raise invalid("version must be the integer version of the incident you acted on")
    reason = (reason or "").strip() or None
    now = utcnow()
    transition = workflow.TRANSITIONS[action]
    extra: list[tuple[str, dict]] = []
    with services.store.begin() as conn:
        incident = incident_store.get(conn, incident_id)
        if incident is None:
            raise ActionError(404, f"no incident {incident_id}")
        check_scope(identity, incident)
        if identity.role not in transition.roles:
            raise forbidden(f"a {identity.role} may not {action} incidents")
        if incident["version"] != version:
            raise conflict(conn, incident, version)
        try:
            new_status = workflow.check_transition(action, incident["status"], identity.role, reason)
        except workflow.TransitionRefused as exc:
            raise invalid(str(exc), current_status=incident["status"]) from None
        ctx = Context(services, conn, identity, incident, dict(params or {}), reason, now)
        changes = COMMANDS[action](ctx)
        extra = ctx.params.pop("_publish_also", [])
        values = {"status": new_status, "updated_at": now, **changes}
        try:
            new_version = incident_store.update(conn, incident_id, version, values)
        except VersionMismatch:
            raise conflict(conn, incident_store.get(conn, incident_id), version) from None
        details = {k: _jsonable(v) for k, v in ctx.params.items() if not k.startswith("_")}
        incident_store.add_history(conn, incident_id, new_version, action, incident["status"], new_status,
                                   identity.username, identity.role, now, reason, details)
        before = {k: _jsonable(incident.get(k)) for k in TRACKED if k in values}
        after = {k: _jsonable(values[k]) for k in TRACKED if k in values}
        audit.append(conn, at=now, actor=identity.username, actor_role=identity.role, remote_addr=remote_addr,
                     action=f"incident_{action}", target_type="incident", target_id=incident_id,
                     before=before, after=after | ({"details": details} if details else {}), reason=reason)
        result = incident_store.get(conn, incident_id)
    publish_incident(services, result, action, identity)
    for topic, data in extra:
        _publish(services, topic, data)
    return result


def check_scope(identity: Identity, incident: dict) -> None:
    if identity.role == workflow.OPERATOR and incident.get("department") != identity.department:
        raise forbidden("this incident belongs to another department")


def conflict(conn, incident: dict, version: int) -> ActionError:
    changes = incident_store.history_since(conn, incident["id"], version)
    return ActionError(409, f"incident {incident.get('code') or incident['id']} was changed by someone else "
                            f"(you acted on version {version}, it is now at version {incident['version']})",
                       {"current_version": incident["version"], "current_status": incident["status"],
                        "changes": [{"version": c["version"], "action": c["action"], "actor": c["actor"],
                                     "at": c["at"].isoformat(), "to_status": c["to_status"], "reason": c["reason"]}
                                    for c in changes]})


def publish_incident(services: Services, incident: dict, action: str, identity: Identity) -> None:
    now = utcnow()
    _publish(services, "incident.upsert", features.incident_feature(incident, now, services.city))
    _publish(services, "incident.changed", {"id": incident["id"], "version": incident["version"],
                                            "status": incident["status"], "department": incident.get("department"),
                                            "action": action, "actor": identity.username, "at": now.isoformat()})


def _publish(services: Services, topic: str, data: dict) -> None:
    try:
        services.bus.publish(topic, data)
    except BusUnavailable as exc:   # the change is committed; screens catch up from the store
        log.warning("bus unavailable, %s not published: %s", topic, exc)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# -- helpers the commands share ---------------------------------------------------------------
def _department(ctx: Context, code: str | None) -> str:
    codes = {d.code for d in ctx.services.city.departments}
    if not code:
        raise invalid("choose a department")
    if code not in codes:
        raise invalid(f"unknown department {code!r}")
    return code


MAX_DEADLINE_DAYS = 5 * 365


def _deadline(ctx: Context, category: str, priority: int, start: datetime) -> Deadline:
    """The deadline the dispatcher gave, or the one the city's time limits and calendar give."""
    given = ctx.params.get("deadline")
    if given:
        try:
            value = datetime.fromisoformat(str(given).replace("Z", "+00:00"))
        except ValueError:
            raise invalid(f"deadline {given!r} is not an ISO 8601 date and time") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=ctx.services.tz)
        if value <= ctx.now:
            raise invalid("the deadline must be in the future")
        if value > ctx.now + timedelta(days=MAX_DEADLINE_DAYS):   # a typing error (or an attack), not a plan
            raise invalid(f"the deadline may be at most {MAX_DEADLINE_DAYS // 365} years ahead")
        return Deadline.given(value)
    return deadline_rules.deadline_for(ctx.services.city, category, priority, start, ctx.services.tz)


def _priority(value: Any) -> int:
    try:
        priority = int(value)
    except (TypeError, ValueError):
        raise invalid(f"priority must be 1, 2, 3 or 4, not {value!r}") from None
    if priority not in (1, 2, 3, 4):
        raise invalid(f"priority must be 1, 2, 3 or 4, not {priority}")
    return priority


def _text(ctx: Context, key: str = "text", required: bool = True) -> str | None:
    text = (ctx.params.get(key) or ctx.reason or "").strip()
    if required and not text:
        raise invalid(f"{key} is required")
    return text[:4000] or None


def suggest_department(services: Services, conn, incident: dict) -> routing.RoutingRule | None:
    return routing.suggest(routing_store.rules(conn), incident["category"], incident.get("district"),
                           services.city.group_key(incident["category"]))


# -- the commands -----------------------------------------------------------------------------
@command("verify")
def verify(ctx: Context) -> dict:
    changes = {}
    if ctx.params.get("category"):
        if not ctx.services.city.can_file(ctx.params["category"]):
            raise invalid(f"unknown or retired category {ctx.params['category']!r}")
        changes["category"] = ctx.params["category"]
    if ctx.params.get("priority") is not None:
        changes["priority"] = _priority(ctx.params["priority"])
    return changes


@command("reject")
def reject(ctx: Context) -> dict:
    return {"closed_at": ctx.now}


@command("merge")
def merge(ctx: Context) -> dict:
    try:
        into = int(ctx.params.get("into"))
    except (TypeError, ValueError):
        raise invalid("merge needs 'into': the id of the incident to merge into") from None
    if into == ctx.incident["id"]:
        raise invalid("an incident cannot be merged into itself")
    target = incident_store.get(ctx.conn, into)
    if target is None:
        raise invalid(f"no incident {into} to merge into")
    if target["status"] not in workflow.OPEN_STATUSES:
        raise invalid(f"incident {into} is {target['status']}; merge into an open incident")
    # The target keeps a link to every report folded into it, with its evidence.
    merged = list((target.get("details") or {}).get("merged", [])) + [{
        "id": ctx.incident["id"], "code": ctx.incident["code"], "source": ctx.incident["source"],
        "source_ref": ctx.incident["source_ref"], "description": ctx.incident["description"],
        "media_url": (ctx.incident.get("details") or {}).get("media_url")}]
    target_version = incident_store.update(ctx.conn, into, target["version"], {
        "details": (target.get("details") or {}) | {"merged": merged}, "updated_at": ctx.now})
    incident_store.add_history(ctx.conn, into, target_version, "absorb", target["status"], target["status"],
                               ctx.identity.username, ctx.identity.role, ctx.now, None,
                               {"merged": ctx.incident["id"]})
    ctx.params["into"] = into
    return {"merged_into": into, "closed_at": ctx.now}


@command("dispatch")
def dispatch(ctx: Context) -> dict:
    inc = ctx.incident
    code = ctx.params.get("department")
    if not code:
        rule = suggest_department(ctx.services, ctx.conn, inc)
        code = rule.department if rule else None
        ctx.params["routed_by_rule"] = bool(rule)
    department = _department(ctx, code)
    priority = _priority(ctx.params.get("priority", inc["priority"]))
    deadline = _deadline(ctx, inc["category"], priority, ctx.now)
    ctx.params.update({"department": department, "deadline": deadline.at.isoformat()})
    return {"department": department, "deadline": deadline.at, "priority": priority,
            "details": deadline_rules.details_with(inc.get("details"), deadline) | {"dispatched_at": ctx.now.isoformat()}}


@command("reassign")
def reassign(ctx: Context) -> dict:
    department = _department(ctx, ctx.params.get("department"))
    if department == ctx.incident.get("department"):
        raise invalid("the incident is with that department already")
    changes: dict[str, Any] = {"department": department}
    if ctx.params.get("deadline"):
        deadline = _deadline(ctx, ctx.incident["category"], ctx.incident["priority"], ctx.now)
        changes.update(deadline=deadline.at, details=deadline_rules.details_with(ctx.incident.get("details"), deadline))
    return changes


@command("accept")
def accept(ctx: Context) -> dict:
    return {}


@command("return")
def return_(ctx: Context) -> dict:
    return {}


@command("report_fixed")
def report_fixed(ctx: Context) -> dict:
    ctx.params["note"] = _text(ctx, "note")
    evidence = (ctx.params.get("evidence_url") or "").strip()
    if evidence and not evidence.startswith(("http://", "https://")):
        raise invalid("evidence_url must be an http(s) link")
    from . import field_actions   # before/after photos; a new fix needs a new check (issue 18)
    field_actions.attach_photos(ctx)
    return field_actions.verification_reset(ctx)


@command("close")
def close(ctx: Context) -> dict:
    from . import field_actions
    field_actions.check_verified_before_close(ctx)
    deadline = ctx.incident.get("deadline")
    ctx.params["on_time"] = bool(deadline is None or ctx.now <= deadline)
    return {"closed_at": ctx.now}


@command("rework")
def rework(ctx: Context) -> dict:
    from . import field_actions
    return {"rework_count": ctx.incident["rework_count"] + 1} | field_actions.verification_reset(ctx)


@command("reopen")
def reopen(ctx: Context) -> dict:
    inc = ctx.incident
    deadline = _deadline(ctx, inc["category"], inc["priority"], ctx.now)
    return {"rework_count": inc["rework_count"] + 1, "closed_at": None, "deadline": deadline.at,
            "details": deadline_rules.details_with(inc.get("details"), deadline)}


@command("comment")
def comment(ctx: Context) -> dict:
    ctx.params["text"] = _text(ctx)
    return {}


@command("progress")
def progress(ctx: Context) -> dict:
    ctx.params["text"] = _text(ctx)
    return {}


@command("supervise")
def supervise(ctx: Context) -> dict:
    if ctx.incident["supervised"]:
        raise invalid("the incident is under supervision already")
    return {"supervised": True}


@command("reprioritize")
def reprioritize(ctx: Context) -> dict:
    inc = ctx.incident
    priority = _priority(ctx.params.get("priority"))
    if priority == inc["priority"]:
        raise invalid(f"the incident is P{priority} already")
    changes: dict[str, Any] = {"priority": priority}
    dispatched_at = (inc.get("details") or {}).get("dispatched_at")
    if inc.get("deadline") and dispatched_at:
        deadline = deadline_rules.deadline_for(ctx.services.city, inc["category"], priority,
                                               datetime.fromisoformat(dispatched_at), ctx.services.tz)
        changes.update(deadline=deadline.at, details=deadline_rules.details_with(inc.get("details"), deadline))
    return changes


# 核查 (issue 18): request_verification, verify_pass, verify_fail live with the rest of field work.
from . import field_actions as _field_actions  # noqa: E402,F401  (registers its commands)
