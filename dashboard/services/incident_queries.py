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


def list_incidents(services: Services, identity: Identity, filters: dict[str, Any]) -> dict[str, Any]:
    scope = _scope(identity)
    with services.store.connect() as conn:
        rows, total = incident_store.search(conn, department_scope=scope, **filters)
    now = utcnow()
    return {"total": total, "limit": filters.get("limit"), "offset": filters.get("offset", 0),
            "items": [incident_view(r, identity, now, services.city) for r in rows]}


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
