"""Field work (issue 18): what inspectors (监督员) and department crews do from their phones.

- `report`: an inspector reports what they found (信息采集), with photos and a position;
- `tasks`: a crew's open cases by urgency and distance, an inspector's verification tasks (核查);
- `act`: an action from a phone (accept, progress, report_fixed with photos, return, verify_pass/fail);
- `once`: every one of those carries its own key, so a phone that sends again after a lost answer gets
  the first answer instead of a second action (the offline queue relies on it);
- `evaluation`: the verification round trip per department (time to verify, failures).
"""
from __future__ import annotations

import logging
import re
import statistics
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import exc as sa_exc

from dashboard.bus import BusUnavailable
from dashboard.domain import workflow
from dashboard.domain.geo import haversine_m
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.store import field as field_store, utcnow

from . import evidence, incident_queries, intake
from .container import Services
from .incident_actions import ActionError, invalid, perform

log = logging.getLogger(__name__)

KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
CREW_STATUSES = (workflow.DISPATCHED, workflow.ACCEPTED, workflow.FIXED)
FIELD_ACTIONS = {workflow.OPERATOR: ("accept", "progress", "report_fixed", "return"),
                 workflow.INSPECTOR: ("verify_pass", "verify_fail")}
MAX_PHOTOS = 6


# -- exactly once ------------------------------------------------------------------------------
def once(services: Services, who: Identity, key: str | None, run: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `run` (→ status, JSON body) at most once per key; a repeat gets the stored answer."""
    if key is None:
        return run()
    if not KEY.match(key):
        raise ActionError(422, "Idempotency-Key must be 8–80 letters, digits or . _ : -")
    key = f"{who.username}:{key}"[:80]
    try:
        with services.store.begin() as conn:
            kept = field_store.claim_key(conn, key, who.username, utcnow())
    except sa_exc.IntegrityError:   # the same key claimed a moment ago by a parallel request
        kept = {"status_code": field_store.IN_PROGRESS}
    if kept is not None:
        if kept["status_code"] == field_store.IN_PROGRESS:
            raise ActionError(409, "this action is being recorded right now; ask again in a moment",
                              {"in_progress": True})
        return kept["status_code"], kept["response"] | {"replayed": True}
    try:
        status, body = run()
    except ActionError as exc:
        if exc.status >= 500:
            _release(services, key)
            raise
        status, body = exc.status, exc.to_json()
    except evidence.EvidenceError as exc:
        status, body = exc.status, {"error": {"status": exc.status, "message": str(exc)}}
    except Exception:
        _release(services, key)
        raise
    with services.store.begin() as conn:
        field_store.settle_key(conn, key, status, body)
    return status, body


def _release(services: Services, key: str) -> None:
    try:
        with services.store.begin() as conn:
            field_store.release_key(conn, key)
    except sa_exc.SQLAlchemyError as exc:
        log.warning("idempotency key %s not released: %s", key, exc)


# -- what a phone shows ------------------------------------------------------------------------
def me(services: Services, who: Identity, lang: str) -> dict[str, Any]:
    city = services.city
    with services.store.read() as conn:
        beat = field_store.beat(conn, who.username) if who.role == workflow.INSPECTOR else {"district": [], "grid": []}
    cats = [{"code": c.code, "group": c.group_zh if lang == "zh-CN" else c.group_en,
             "group_code": c.group_code, "name": c.name_zh if lang == "zh-CN" else c.name_en,
             "other": c.name_en if lang == "zh-CN" else c.name_zh}
            for c in city.categories if city.can_file(c.code) and c.domain.lower() in ("component", "event")]
    districts = _map_districts(city, lang)
    centre = getattr(city, "center", None) or getattr(city, "centre", None)
    return {"username": who.username, "name": who.label, "role": who.role, "department": who.department,
            "beat": beat, "categories": cats, "districts": districts,
            "centre": list(centre) if centre else None,
            "max_photo_bytes": services.settings.evidence_max_bytes}


def _map_districts(city, lang: str) -> list[dict[str, Any]]:
    """The phone map's base map without tiles: the districts' outlines as the operations page draws them
    (simplified copies, shared borders kept), each with a point inside it for its name."""
    from shapely.geometry import shape
    from dashboard.geo.drawing import district_drawing
    drawn = district_drawing(city)
    out = []
    for d in city.districts:
        inside = shape(d.geometry).representative_point()
        out.append({"code": d.code, "name": d.name(lang), "geometry": drawn.get(d.code, d.geometry),
                    "label": [round(inside.x, 6), round(inside.y, 6)]})
    return out


def _brief(row: dict, who: Identity, city, here: tuple[float, float] | None) -> dict[str, Any]:
    # an inspector reads a case as the center does (reporters' details masked below), an operator as such
    view = incident_queries.incident_view(row, who if who.role == workflow.OPERATOR
                                          else Identity(who.username, workflow.DISPATCHER), city=city)
    view["allowed_actions"] = [a for a in workflow.allowed_actions(row["status"], who.role)
                               if a in FIELD_ACTIONS.get(who.role, ())]
    for key in ("reporter_name", "reporter_phone", "dedupe_key"):
        view.pop(key, None)
    view["distance_m"] = (round(haversine_m(here, (row["lon"], row["lat"])))
                          if here and row.get("lat") is not None else None)
    return view


def tasks(services: Services, who: Identity, here: tuple[float, float] | None = None) -> dict[str, Any]:
    """Crews: the department's open cases, most urgent first, then nearest. Inspectors: their checks."""
    city = services.city
    with services.store.read() as conn:
        if who.role == workflow.OPERATOR:
            rows = field_store.department_tasks(conn, who.department or "", CREW_STATUSES)
            items = [_brief(r, who, city, here) for r in rows]
            items.sort(key=lambda v: (v["status"] == workflow.FIXED, v["priority"], not v["overdue"],
                                      v["distance_m"] if v["distance_m"] is not None else 1e12))
        elif who.role in (workflow.INSPECTOR, workflow.ADMIN):   # an admin sees every inspector's checks
            items = []
            for r in field_store.tasks_of(conn, None if who.role == workflow.ADMIN else who.username):
                task = {k: r.pop(k) for k in ("task_id", "requested_at", "done_at", "result", "inspector")}
                view = _brief(r, who, city, here)
                if task["done_at"] is not None:
                    view["allowed_actions"] = []
                view["task"] = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in task.items()}
                items.append(view)
        else:
            raise ActionError(403, f"a {who.role} has no field tasks")
        for item in items:
            item["evidence"] = [evidence.view(e) for e in field_store.evidence_of(conn, item["id"])]
    return {"items": items}


def my_reports(services: Services, who: Identity) -> dict[str, Any]:
    with services.store.read() as conn:
        rows = field_store.reports_by(conn, None if who.role == workflow.ADMIN else who.username)
        items = [_brief(r, who, services.city, None) for r in rows]
        for item in items:
            item["evidence"] = [evidence.view(e) for e in field_store.evidence_of(conn, item["id"])]
    return {"items": items}


# -- an inspector's report ---------------------------------------------------------------------
def report(services: Services, who: Identity, fields: dict[str, Any], photos: list[evidence.Received],
           remote_addr: str | None = None) -> dict:
    if who.role != workflow.INSPECTOR:
        raise ActionError(403, f"a {who.role} may not report from the field")
    city = services.city
    category = str(fields.get("category") or "")
    if not city.can_file(category):
        raise invalid(f"choose a category in force (not {category!r})")
    try:
        lat, lon = float(fields.get("lat")), float(fields.get("lon"))
    except (TypeError, ValueError):
        raise invalid("the position is missing: allow the location or tap the map") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid("the position is out of range")
    description = str(fields.get("description") or "").strip()[:intake.MAX_DESCRIPTION]
    if not photos:
        raise invalid("a report needs at least one photo")
    if len(photos) > MAX_PHOTOS:
        raise invalid(f"at most {MAX_PHOTOS} photos per report")
    cat = city.category(category)
    now = utcnow()
    reported_at = _client_time(fields.get("reported_at"), now)
    address = str(fields.get("address") or "").strip()[:300] or None
    draft = IncidentDraft(
        category=category, title=(f"{cat.name_zh}：{description[:60]}" if description else cat.name_zh)[:300],
        source="inspector", source_ref=f"{who.username}:{fields.get('client_ref') or now.isoformat()}"[:200],
        priority=cat.default_priority, description=description, lat=lat, lon=lon,
        district=city.district_at(lon, lat), address=address, reported_at=reported_at,
        details={"recorded_by": who.username})
    with services.store.begin() as conn:
        row, pubs = intake.create(services, conn, draft, who, now, remote_addr=remote_addr)
        linked = [evidence.link(services, conn, row, p, "report", who, now) for p in photos]
    _publish(services, pubs)
    view = _brief(row, who, city, None)
    view["evidence"] = [evidence.view(e) for e in linked]
    return view


def _client_time(value: Any, now: datetime) -> datetime:
    """When the phone says it was reported (queued offline), never in the future, at most 3 days back."""
    if not value:
        return now
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return now
    if at.tzinfo is None or at > now:
        return now
    return max(at, now - timedelta(days=3))


def _publish(services: Services, pubs) -> None:
    try:
        for topic, data in pubs:
            services.bus.publish(topic, data)
    except BusUnavailable as exc:
        log.warning("bus unavailable, field report not published: %s", exc)


# -- an action from a phone --------------------------------------------------------------------
def act(services: Services, who: Identity, incident_id: int, body: dict[str, Any],
        photos: list[tuple[str, evidence.Received]], remote_addr: str | None = None) -> dict:
    action = str(body.get("action") or "")
    if action not in FIELD_ACTIONS.get(who.role, ()):
        raise invalid(f"{action or 'no action'!r} is not an action of a {who.role}'s field pages; "
                      f"these are: {', '.join(FIELD_ACTIONS.get(who.role, ())) or 'none'}")
    version = body.get("version")
    params = {k: v for k, v in body.items() if k in ("note", "text", "inspector") and isinstance(v, str)}
    if len(photos) > MAX_PHOTOS:
        raise invalid(f"at most {MAX_PHOTOS} photos per action")
    if photos and action not in ("report_fixed", "verify_pass", "verify_fail", "progress"):
        raise invalid(f"{action} takes no photos")
    if photos and action == "progress":   # progress photos are linked on their own, before the note
        with services.store.begin() as conn:
            incident = evidence.check_may_see(services, conn, who, incident_id)
            for stage, p in photos:
                evidence.link(services, conn, incident, p, stage, who, utcnow())
        photos = []
    params["_photos"] = photos
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    row = perform(services, who, incident_id, action, version, reason=reason, params=params, remote_addr=remote_addr)
    view = _brief(row, who, services.city, None)
    with services.store.read() as conn:
        view["evidence"] = [evidence.view(e) for e in field_store.evidence_of(conn, incident_id)]
    return view


# -- beats and the evaluation ------------------------------------------------------------------
def set_beat(services: Services, actor: Identity, username: str, districts: list[str], cells: list[str]) -> None:
    from dashboard.store import audit, auth as auth_store
    known = {d.code for d in services.city.districts}
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise invalid(f"unknown district(s): {', '.join(unknown)}")
    now = utcnow()
    with services.store.begin() as conn:
        user = auth_store.get_user(conn, username)
        if user is None or user["role"] != workflow.INSPECTOR:
            raise invalid(f"{username!r} is no inspector")
        before = field_store.beat(conn, username)
        field_store.set_beat(conn, username, districts, cells)
        audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action="inspector_beat",
                     target_type="user", target_id=username, before=before,
                     after={"district": districts, "grid": cells})


def evaluation(services: Services, since: datetime, until: datetime) -> dict[str, Any]:
    """Per department: checks requested, passed, failed, still open; median and mean hours to verify."""
    with services.store.read() as conn:
        rows = field_store.verification_figures(conn, since, until)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault(r["department"] or "", {"requested": 0, "passed": 0, "failed": 0, "open": 0, "_h": []})
        d["requested"] += 1
        if r["result"] == "pass":
            d["passed"] += 1
        elif r["result"] == "fail":
            d["failed"] += 1
        elif r["done_at"] is None:
            d["open"] += 1
        if r["result"] in ("pass", "fail"):
            d["_h"].append((r["done_at"] - r["requested_at"]).total_seconds() / 3600)
    for d in out.values():
        hours = d.pop("_h")
        d["median_hours_to_verify"] = round(statistics.median(hours), 2) if hours else None
        d["mean_hours_to_verify"] = round(statistics.fmean(hours), 2) if hours else None
        done = d["passed"] + d["failed"]
        d["failure_rate"] = round(d["failed"] / done, 3) if done else None
    return {"since": since.isoformat(), "until": until.isoformat(),
            "departments": [{"department": k, **v} for k, v in sorted(out.items())]}
