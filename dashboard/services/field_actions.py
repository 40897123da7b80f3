"""The incident actions of field work (issue 18), in the command pattern of incident_actions:
request_verification (the center sends an inspector to check a fix, 核查), verify_pass and verify_fail
(the inspector's result, with a photo), the photos a crew sends with report_fixed, and the rule that a
category may be closed only after a passed check.

The case keeps the state of its check in details["verification"]: {"state": requested | passed |
failed, "inspector", "task", "at", "note"}; the task itself (for the inspector's list and the
evaluation) is a row of verification_tasks.
"""
from __future__ import annotations

from typing import Any

from dashboard.domain import workflow
from dashboard.store import field as field_store

from . import evidence
from .container import Services
from .incident_actions import Context, command, forbidden, invalid


def needs_verification(services: Services, category: str) -> bool:
    """A passed check before close: when categories.csv says so (needs_verification yes), or when the
    setting field_verify_categories names the category, its 大类 or `*` — the setting adds to what the
    package says (a center may ask for more checks without a new package) and is all there is for a
    package without the column."""
    cat = services.city.find_category(category)
    if cat is not None and cat.needs_verification:
        return True
    wanted = {c.strip() for c in services.settings.field_verify_categories.split(",") if c.strip()}
    if "*" in wanted:
        return True
    return bool(cat is not None and ({cat.code, cat.group_code} & wanted))


def attach_photos(ctx: Context) -> list[int]:
    """Link the photos sent with the action (params["_photos"]: [(stage, Received)]) in its transaction."""
    sent = ctx.params.pop("_photos", None) or []
    allowed = evidence.STAGES_BY_ROLE.get(ctx.identity.role, evidence.STAGES)
    ids = []
    for stage, received in sent:
        if stage not in allowed:
            raise invalid(f"a {ctx.identity.role} sends photos as {' or '.join(allowed)}, not {stage!r}")
        try:
            row = evidence.link(ctx.services, ctx.conn, ctx.incident, received, stage, ctx.identity, ctx.now)
        except evidence.EvidenceError as exc:
            raise invalid(str(exc)) from None
        ids.append(row["id"])
    if ids:
        ctx.params["evidence"] = ids
    return ids


def verification_reset(ctx: Context) -> dict[str, Any]:
    """A new fix (or a rework) needs a new check: the case forgets the last result."""
    details = dict(ctx.incident.get("details") or {})
    if "verification" not in details:
        return {}
    previous = details.pop("verification")
    task = field_store.open_task(ctx.conn, ctx.incident["id"])
    if task is not None:   # the fix changed under the inspector's feet: that check is moot
        field_store.finish_task(ctx.conn, task["id"], "void", "the case changed before the check", ctx.now)
    return {"details": details | {"verification_before": previous}}


def check_verified_before_close(ctx: Context) -> None:
    if not needs_verification(ctx.services, ctx.incident["category"]):
        return
    state = ((ctx.incident.get("details") or {}).get("verification") or {}).get("state")
    if state == "passed":
        return
    if state == "requested":
        raise invalid("this category is closed only after an inspector's check (核查) passes; the check is "
                      "still open", verification=state)
    if state == "failed":
        raise invalid("the inspector's check (核查) failed: send the case back for rework", verification=state)
    raise invalid("this category is closed only after an inspector's check (核查) passes: request a "
                  "verification first", verification=state)


def _with_verification(ctx: Context, **values: Any) -> dict[str, Any]:
    details = dict(ctx.incident.get("details") or {})
    details["verification"] = (details.get("verification") or {}) | values
    return {"details": details}


@command("request_verification")
def request_verification(ctx: Context) -> dict:
    inc = ctx.incident
    current = field_store.open_task(ctx.conn, inc["id"])
    if current is not None:
        raise invalid(f"inspector {current['inspector']} is asked to check this case already")
    name = (ctx.params.get("inspector") or "").strip()
    covering = field_store.inspectors_covering(ctx.conn, inc.get("district"), inc.get("grid_cell"))
    if name:
        from dashboard.store import auth as auth_store
        user = auth_store.get_user(ctx.conn, name)
        if user is None or user["role"] != workflow.INSPECTOR or user.get("disabled"):
            raise invalid(f"{name!r} is no active inspector")
    elif covering:   # the inspector of this beat with the fewest open checks
        load = field_store.open_task_counts(ctx.conn, covering)
        name = min(covering, key=lambda n: (load.get(n, 0), n))
    else:
        raise invalid("no inspector has this case's district or grid cell in their beat: name one (inspector)")
    task = field_store.add_task(ctx.conn, incident_id=inc["id"], inspector=name, department=inc.get("department"),
                                requested_by=ctx.identity.username, requested_at=ctx.now)
    ctx.params.update(inspector=name, task=task)
    return _with_verification(ctx, state="requested", inspector=name, task=task, at=ctx.now.isoformat(),
                              note=None)


def _finish(ctx: Context, result: str) -> dict:
    task = field_store.open_task(ctx.conn, ctx.incident["id"], ctx.identity.username)
    if task is None:
        raise forbidden("you have no open verification task for this case")
    photos = attach_photos(ctx)
    if not photos:
        raise invalid("a check (核查) needs at least one photo taken on site")
    note = (ctx.reason or ctx.params.get("note") or "").strip()[:4000] or None
    field_store.finish_task(ctx.conn, task["id"], result, note, ctx.now)
    ctx.params["task"] = task["id"]
    waited = (ctx.now - task["requested_at"]).total_seconds()
    ctx.params["seconds_to_verify"] = round(waited)
    return _with_verification(ctx, state="passed" if result == "pass" else "failed", task=task["id"],
                              inspector=ctx.identity.username, at=ctx.now.isoformat(), note=note,
                              evidence=photos)


@command("verify_pass")
def verify_pass(ctx: Context) -> dict:
    return _finish(ctx, "pass")


@command("verify_fail")
def verify_fail(ctx: Context) -> dict:
    return _finish(ctx, "fail")
