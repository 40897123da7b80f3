"""How a new incident enters the loop, whatever brought it (a feed rule, a citizen report, a phone call):
stored as reported, checked for likely duplicates, and dispatched at once where a routing rule says so."""
from __future__ import annotations

import logging

from datetime import datetime
from typing import Any

from dashboard.bus import BusUnavailable
from dashboard.domain import duplicates, routing, workflow
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.store import audit, incidents as incident_store, routing as routing_store, utcnow

from dashboard.store import geo as geo_store

from . import deadline_rules, features, geography
from .container import Services

Publications = list[tuple[str, dict[str, Any]]]

log = logging.getLogger(__name__)


def create(services: Services, conn, draft: IncidentDraft, actor: Identity, now: datetime,
           dedupe_key: str | None = None, remote_addr: str | None = None) -> tuple[dict, Publications]:
    row = incident_store.create(conn, draft, workflow.REPORTED, actor.username, actor.role, now, dedupe_key)
    row = _place_in_grid(services, conn, row)
    similar = _likely_duplicates(conn, row)
    if similar:
        details = (row.get("details") or {}) | {"likely_duplicates": [
            {"id": s["id"], "code": s["code"], "distance_m": s["distance_m"], "why": s.get("why")} for s in similar]}
        incident_store.update(conn, row["id"], row["version"], {"details": details})
        row = incident_store.get(conn, row["id"])
    audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, remote_addr=remote_addr,
                 action="incident_report", target_type="incident", target_id=row["id"],
                 after={"category": row["category"], "priority": row["priority"], "source": row["source"]})
    if not similar:
        row = _auto_dispatch(services, conn, row, now)
    pubs = [("incident.upsert", features.incident_feature(row, now, services.city)), ("event.new", features.incident_event(row, services.city))]
    if row["status"] == workflow.DISPATCHED:   # routed by a rule: say so, as a dispatcher's action would (webhooks)
        pubs.append(("incident.changed", {"id": row["id"], "version": row["version"], "status": row["status"],
                                          "department": row.get("department"), "action": "dispatch",
                                          "actor": "system", "at": now.isoformat()}))
    return row, pubs


def _place_in_grid(services: Services, conn, row: dict) -> dict:
    """The unit-grid cell (单元网格) the incident lies in, when the city has a grid (issue 15)."""
    cell = geography.cell_at(services, row.get("lon"), row.get("lat"), conn)
    if cell is None:
        return row | {"grid_cell": None}
    geo_store.set_incident_cell(conn, row["id"], cell)
    return row | {"grid_cell": cell}


def _likely_duplicates(conn, row: dict) -> list[dict]:
    if row.get("lat") is None or row.get("lon") is None:
        return []
    dlat, dlon = duplicates.degree_box(row["lat"], duplicates.SEARCH_M)   # near, or further on the same street
    nearby = incident_store.open_near(conn, row["category"], row["lat"], row["lon"], dlat, dlon, row["id"])
    return duplicates.likely_duplicates(row, nearby)


def _auto_dispatch(services: Services, conn, row: dict, now: datetime) -> dict:
    """A routing rule with auto-dispatch on sends the incident straight to its department."""
    rule = geography.suggest(routing_store.rules(conn), row["category"], row.get("district"), row.get("grid_cell"),
                             services.city.group_key(row["category"]))   # a rule's area: district or grid cell
    if not rule or not rule.auto_dispatch:
        return row
    deadline = deadline_rules.deadline_for(services.city, row["category"], row["priority"], now, services.tz)
    version = row["version"]
    for action, status, values in (
            ("verify", workflow.VERIFIED, {}),
            ("dispatch", workflow.DISPATCHED, {"department": rule.department, "deadline": deadline.at,
                                               "details": deadline_rules.details_with(row.get("details"), deadline)
                                               | {"dispatched_at": now.isoformat()}})):
        previous = workflow.REPORTED if action == "verify" else workflow.VERIFIED
        version = incident_store.update(conn, row["id"], version, {"status": status, "updated_at": now, **values})
        incident_store.add_history(conn, row["id"], version, action, previous, status, "system", workflow.SYSTEM, now,
                                   None, {"routed_by_rule": True, "department": rule.department} if values else {})
    return incident_store.get(conn, row["id"])


def ensure_routing_rules(services: Services) -> None:
    """A new store starts with rules derived from the departments; admins edit them afterwards."""
    with services.store.begin() as conn:
        if routing_store.count(conn) == 0:
            routing_store.put_rules(conn, routing.default_rules(
                services.city.departments, [d.code for d in services.city.districts]), utcnow())


MAX_DESCRIPTION = 4000   # characters of an incident's free text, whatever brought it


def record_manual(services: Services, identity: Identity, fields: dict[str, Any],
                  remote_addr: str | None = None) -> dict:
    """A dispatcher records a phoned-in incident (POST /api/v1/incidents)."""
    from .incident_actions import ActionError, invalid
    if identity.role not in (workflow.DISPATCHER, workflow.ADMIN):
        raise ActionError(403, f"a {identity.role} may not record incidents")
    category = str(fields.get("category") or "")
    if not services.city.can_file(category):
        raise invalid(f"unknown category {category!r}" if services.city.find_category(category) is None
                      else f"category {category} is retired: choose one in force")
    title = str(fields.get("title") or "").strip()
    if not title:
        raise invalid("title is required")
    try:
        lat = float(fields["lat"]) if fields.get("lat") is not None else None
        lon = float(fields["lon"]) if fields.get("lon") is not None else None
    except (TypeError, ValueError):
        raise invalid("lat and lon must be numbers") from None
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):
        raise invalid("give both lat and lon, in range")
    priority = fields.get("priority", services.city.category(category).default_priority)
    if isinstance(priority, bool) or priority not in (1, 2, 3, 4):
        raise invalid("priority must be 1, 2, 3 or 4")
    for key, limit in (("address", 300), ("reporter_name", 100), ("reporter_phone", 40), ("district", 32),
                       ("title", 300), ("description", MAX_DESCRIPTION)):
        value = fields.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise invalid(f"{key} must be text of at most {limit} characters")
    now = utcnow()
    draft = IncidentDraft(
        category=category, title=title[:300], source="manual", source_ref=f"{identity.username}:{now.isoformat()}",
        priority=priority, description=str(fields.get("description") or ""), lat=lat, lon=lon,
        district=services.city.district_at(lon, lat) if lat is not None else fields.get("district"),
        address=fields.get("address"), reported_at=now, reporter_name=fields.get("reporter_name"),
        reporter_phone=fields.get("reporter_phone"), details={"recorded_by": identity.username})
    with services.store.begin() as conn:
        row, pubs = create(services, conn, draft, identity, now, remote_addr=remote_addr)
    try:
        for topic, data in pubs:
            services.bus.publish(topic, data)
    except BusUnavailable as exc:   # recorded is recorded; screens catch up once the bus is back
        log.warning("bus unavailable, new incident %s not published: %s", row["id"], exc)
    return row
