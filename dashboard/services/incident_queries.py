"""Reading incidents as a given person may see them: department scoping (in the data layer),
masked reporter details, the actions allowed now, time left."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.domain import permissions, workflow
from dashboard.domain.city import City
from dashboard.domain.identity import Identity
from dashboard.domain.privacy import mask_text
from dashboard.store import incidents as incident_store, routing as routing_store, utcnow
from dashboard.domain import routing

from .container import Services
from .incident_actions import ActionError, check_scope
from .suggest_duplicates import duplicate_marks as text_duplicate_marks

LIST_FILTERS = ("status", "category", "district", "department", "priority", "source")
MAX_PAGE = 500
MAX_OFFSET = 2 ** 31   # past any real result; keeps the database's integers from overflowing


def _scope(identity: Identity) -> str | None:
    if identity.role == workflow.OPERATOR:
        return identity.department or "__none__"
    if identity.role not in (workflow.ADMIN, workflow.DISPATCHER, workflow.LEADER):
        raise ActionError(403, f"a {identity.role} may not read incidents")
    return None


def incident_view(row: dict, identity: Identity, now: datetime | None = None, city: City | None = None) -> dict[str, Any]:
    now = now or utcnow()
    sees_reporter = identity.role in permissions.SEES_REPORTER
    cat = city.find_category(row["category"]) if city is not None else None
    deadline = row.get("deadline")
    open_ = row["status"] in workflow.OPEN_STATUSES
    view = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
            if k not in ("reporter_name", "reporter_phone", "dedupe_key")}
    view.update({
        "category_name_zh": cat.name_zh if cat else row["category"],
        "category_name_en": cat.name_en if cat else row["category"],
        "reporter_name": row.get("reporter_name") if sees_reporter else permissions.mask_name(row.get("reporter_name")),
        "reporter_phone": row.get("reporter_phone") if sees_reporter else permissions.mask_phone(row.get("reporter_phone")),
        **({} if sees_reporter else {k: mask_text(row.get(k)) for k in ("title", "description")}),
        "overdue": bool(open_ and deadline and deadline < now),
        "seconds_left": int((deadline - now).total_seconds()) if open_ and deadline else None,
        "allowed_actions": [a for a in workflow.allowed_actions(row["status"], identity.role)
                            if identity.role != workflow.OPERATOR or row.get("department") == identity.department],
    })
    return view


def parse_filters(args: dict[str, Any]) -> dict[str, Any]:
    """Query-string filters → keyword arguments of the store's search, or a 422 saying what is wrong."""
    def values(name):
        raw = args.get(name)
        if raw is None or raw == "":
            return None
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return [v.strip() for v in items if str(v).strip()]

    out: dict[str, Any] = {}
    for name in LIST_FILTERS:
        vals = values(name)
        if not vals:
            continue
        if name == "status" and not set(vals) <= set(workflow.STATUSES):
            raise ActionError(422, f"unknown status in {vals}; statuses: {', '.join(workflow.STATUSES)}")
        if name == "priority":
            try:
                vals = [int(v) for v in vals]
            except ValueError:
                raise ActionError(422, "priority must be 1–4") from None
        out[{"status": "statuses", "category": "categories", "district": "districts", "department": "departments",
             "priority": "priorities", "source": "sources"}[name]] = vals
    if str(args.get("overdue", "")).lower() in ("1", "true", "yes"):
        out["overdue_at"] = utcnow()
    if str(args.get("supervised", "")).lower() in ("1", "true", "yes"):
        out["supervised"] = True
    if args.get("q"):
        out["text"] = str(args["q"])[:100]
    try:
        out["limit"] = min(MAX_PAGE, max(1, int(args.get("limit", 100))))
        out["offset"] = min(MAX_OFFSET, max(0, int(args.get("offset", 0))))
    except ValueError:
        raise ActionError(422, "limit and offset must be integers") from None
    order = str(args.get("order", "-created_at"))
    if order != "urgent" and order.lstrip("-") not in ("created_at", "reported_at", "updated_at", "deadline",
                                                       "priority", "id"):
        raise ActionError(422, f"cannot order by {order!r}")
    out["order"] = order
    return out


def list_incidents(services: Services, identity: Identity, filters: dict[str, Any],
                   duplicates: bool = False) -> dict[str, Any]:
    """A page of incidents; with `duplicates`, each case still to be verified or dispatched also gets
    "queue_duplicates": the other cases it looks like a duplicate of (the dispatch queue's mark)."""
    scope = _scope(identity)
    with services.store.connect() as conn:
        rows, total = incident_store.search(conn, department_scope=scope, **filters)
        marks = duplicate_marks(services, conn, rows, scope) if duplicates else {}
    now = utcnow()
    items = [incident_view(r, identity, now, services.city) for r in rows]
    for item in items:
        if item["id"] in marks:
            item["queue_duplicates"] = marks[item["id"]]
    return {"total": total, "limit": filters.get("limit"), "offset": filters.get("offset", 0), "items": items}


MARKED = (workflow.REPORTED, workflow.VERIFIED)   # a duplicate is merged before it is dispatched


def duplicate_marks(services: Services, conn, rows: list[dict], scope: str | None = None) -> dict[int, list[dict]]:
    """{id: [{"id", "code", "by"}]} for the rows still to be verified or dispatched: both members of a pair
    found by place when it was reported (the newer names the older in details.likely_duplicates; the
    older learns of the newer here), and pairs found by text among the rows (suggest_duplicates). One
    query for the whole page, never one per row."""
    marked = [r for r in rows if r["status"] in MARKED]
    if not marked:
        return {}
    out: dict[int, list[dict]] = {}

    def add(incident_id: int, other_id, code, by: str) -> None:
        found = out.setdefault(incident_id, [])
        if other_id is not None and other_id != incident_id and all(f["id"] != other_id for f in found):
            found.append({"id": other_id, "code": code, "by": by})

    ids = {r["id"] for r in marked}
    for r in marked:
        for d in (r.get("details") or {}).get("likely_duplicates") or []:
            add(r["id"], d.get("id"), d.get("code"), "place")
    since = min(r["created_at"] for r in marked)
    for newer in incident_store.naming_duplicates(conn, list(MARKED), sorted({r["category"] for r in marked}),
                                                  since, scope):
        for d in (newer.get("details") or {}).get("likely_duplicates") or []:
            if d.get("id") in ids:
                add(d["id"], newer["id"], newer["code"], "place")
    for incident_id, found in text_duplicate_marks(services, marked).items():
        for f in found:
            add(incident_id, f["id"], f.get("code"), "text")
    return {k: v for k, v in out.items() if v}


def get_incident(services: Services, identity: Identity, incident_id: int) -> dict[str, Any]:
    try:
        return _get_incident(services, identity, incident_id)
    except ActionError as exc:
        if exc.status == 403 and not getattr(exc, "audited", False):   # outside the read: its own transaction
            from .refusals import record
            record(services, identity, "incident_read", str(exc), None, "incident", incident_id)
            exc.audited = True
        raise


def _get_incident(services: Services, identity: Identity, incident_id: int) -> dict[str, Any]:
    _scope(identity)
    with services.store.connect() as conn:
        row = incident_store.get(conn, incident_id)
        if row is None:
            raise ActionError(404, f"no incident {incident_id}")
        check_scope(identity, row)
        view = incident_view(row, identity, city=services.city)
        rule = routing.suggest(routing_store.rules(conn), row["category"], row.get("district"),
                               services.city.group_key(row["category"]))
        view["suggested_department"] = rule.department if rule else None
        view["routing_why_zh"] = routing.explain(rule, row["category"], row.get("district"), "zh-CN")
        view["routing_why_en"] = routing.explain(rule, row["category"], row.get("district"), "en")
        if cat := services.city.find_category(row["category"]):   # the standards the dispatcher reads
            view["standard_open"], view["standard_close"] = cat.standard_open, cat.standard_close
            view["category_retired"] = cat.retired
    return view


def incident_history(services: Services, identity: Identity, incident_id: int) -> list[dict[str, Any]]:
    get_incident(services, identity, incident_id)   # same scoping and answers
    with services.store.connect() as conn:
        return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in h.items()}
                for h in incident_store.history(conn, incident_id)]
