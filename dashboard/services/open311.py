"""The Open311 GeoReport v2 server's reads and the citizen's report: parameters checked as the spec
says (400 with a description), the spec's default window (90 days or 1000 requests), a POST turned
into an incident like any other (duplicates, routing) with the reporter's contact kept private."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, Mapping

from dashboard.domain import open311 as spec, workflow
from dashboard.domain.identity import Identity
from dashboard.domain.incidents import IncidentDraft
from dashboard.domain.open311 import RequestRefused
from dashboard.store import open311 as store, utcnow

from . import intake
from .container import Services

SOURCE = "open311"
log = logging.getLogger(__name__)


def _lang(services: Services) -> str:
    return services.settings.lang


def _reportable(services: Services) -> dict:
    """The services citizens may report now (the city's reportable categories in force)."""
    return {c.code: c for c in services.city.reportable_categories()}


def _served_codes(services: Services) -> list[str]:
    """Requests that are served back: reportable categories, retired ones included (history)."""
    return sorted(c.code for c in services.city.categories if c.reportable)


def services_list(services: Services) -> list[dict]:
    return [spec.service_record(c, _lang(services)) for c in _reportable(services).values()]


def definition(services: Services, code: str) -> dict:
    cat = _reportable(services).get(code)
    if cat is None:
        raise RequestRefused(404, f"no service with service_code {code!r}")
    return spec.service_definition(cat, _lang(services))


def _agency(services: Services, department: str | None) -> str | None:
    d = services.city.department(department)   # a retired department still names its past cases
    return d.name(_lang(services)) if d else None


def _time(services: Services, args: Mapping[str, str], name: str) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RequestRefused(400, f"{name} must be an ISO 8601 date-time such as 2026-11-23T08:15:30+08:00, "
                                  f"not {raw[:40]!r}") from None
    if not 1970 <= value.year <= 2200:
        raise RequestRefused(400, f"{name} must be a date-time between 1970 and 2200")
    return value.replace(tzinfo=services.tz) if value.tzinfo is None else value


def _csv(args: Mapping[str, str], name: str) -> list[str]:
    return [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]


MAX_WHOLE = 1_000_000   # pages and page sizes beyond this are no request of ours (and no database integer)


def _whole(args: Mapping[str, str], name: str, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RequestRefused(400, f"{name} must be a whole number, not {raw[:20]!r}") from None
    if not 1 <= value <= MAX_WHOLE:
        raise RequestRefused(400, f"{name} must be between 1 and {MAX_WHOLE}")
    return value


def list_requests(services: Services, args: Mapping[str, str]) -> list[dict]:
    """GET requests: service_request_id (overrides the rest), service_code, status, start_date/end_date
    (requested, at most 90 days apart; the last 90 days by default), and the common extensions
    updated_after/updated_before, page/page_size (≤ 1000) and extensions=true."""
    extensions = (args.get("extensions") or "").lower() == "true"
    ids = _csv(args, "service_request_id")
    page, size = _whole(args, "page", 1), min(spec.MAX_REQUESTS, _whole(args, "page_size", spec.MAX_REQUESTS))
    statuses = _csv(args, "status")
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise RequestRefused(400, f"status must be open or closed (comma separated), not {bad[0]!r}")
    start, end = _time(services, args, "start_date"), _time(services, args, "end_date")
    after, before = _time(services, args, "updated_after"), _time(services, args, "updated_before")
    span = timedelta(days=spec.MAX_SPAN_DAYS)
    if start and end and end - start > span:
        raise RequestRefused(400, f"start_date and end_date may not span more than {spec.MAX_SPAN_DAYS} days")
    if start and end and end < start:
        raise RequestRefused(400, "end_date is before start_date")
    if start and not end:
        end = start + span
    elif end and not start:
        start = end - span
    elif not start and not (after or before):
        end = utcnow()
        start = end - span
    service_codes = _csv(args, "service_code")
    wanted = None
    if statuses and set(statuses) != {"open", "closed"}:
        wanted = [s for s in workflow.STATUSES if spec.request_status(s) == statuses[0]]
    with services.store.connect() as conn:
        rows = store.search(conn, codes=_served_codes(services), request_ids=ids or None,
                            service_codes=service_codes, statuses=wanted, requested_from=start, requested_to=end,
                            updated_after=after, updated_before=before, limit=size, offset=(page - 1) * size,
                            oldest_change_first=bool(after or before))
    return [record for record in (_record(services, r, extensions) for r in rows) if record is not None]


def _record(services: Services, row: dict, extensions: bool) -> dict | None:
    """One request of a list; a record that cannot be written is left out (and logged), never the list."""
    try:
        return spec.request_record(row, _lang(services), _agency(services, row.get("department")), extensions,
                                   services.tz, services.city.find_category(row["category"]))
    except Exception:   # noqa: BLE001
        log.exception("Open311: incident %s left out of a list: it cannot be written", row.get("code"))
        return None


def get_request(services: Services, request_id: str, extensions: bool = False) -> list[dict]:
    with services.store.connect() as conn:
        row = store.by_code(conn, request_id)
    if row is None or row["category"] not in _served_codes(services):
        raise RequestRefused(404, f"no service request with service_request_id {request_id!r}")
    return [spec.request_record(row, _lang(services), _agency(services, row.get("department")), extensions,
                                services.tz, services.city.find_category(row["category"]))]


def _field(form: Mapping[str, str], name: str, limit: int) -> str | None:
    value = (form.get(name) or "").strip()
    return value[:limit] or None


def create_request(services: Services, client: Identity, form: Mapping[str, str], attributes: dict[str, list[str]],
                   remote_addr: str | None = None) -> list[dict]:
    """POST requests → a reported incident (checked for duplicates, routed like every other)."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise RequestRefused(400, "service_code is required")
    cat = _reportable(services).get(code)
    if cat is None:
        raise RequestRefused(400, f"service_code {code!r} is not a service of this city; see services.json")
    lat, lon = spec.coordinates(form.get("lat"), form.get("long"))
    address = _field(form, "address_string", 300)
    address_id = _field(form, "address_id", 200)
    if lat is None and not address and not address_id:
        raise RequestRefused(400, "a location is required: lat and long, address_string or address_id")
    media_url = _field(form, "media_url", 1000)
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        raise RequestRefused(400, "media_url must be an http(s) URL")
    attrs = spec.check_attributes(attributes)
    description = (form.get("description") or "").strip()[:4000]
    priority = max(1, cat.default_priority - 1) if attrs.get("danger") == "yes" else cat.default_priority
    first, last = _field(form, "first_name", 100), _field(form, "last_name", 100)
    name = " ".join(p for p in (first, last) if p) or None
    now = utcnow()
    where = address or (attrs.get("location_detail") if isinstance(attrs.get("location_detail"), str) else None)
    draft = IncidentDraft(
        category=code, title=f"{cat.name_zh} · {where or description[:40] or '市民报告'}"[:300], source=SOURCE,
        source_ref=f"cityops:{uuid.uuid4().hex}", priority=priority, description=description, lat=lat, lon=lon,
        district=services.city.district_at(lon, lat) if lat is not None else None, address=address,
        reported_at=now, reporter_name=name, reporter_phone=_field(form, "phone", 40),
        details={"service_code": code, "service_name": cat.name_zh, "media_url": media_url,
                 "attributes": attrs, "address_id": address_id, "open311_client": client.username})
    with services.store.begin() as conn:
        row, pubs = intake.create(services, conn, draft, client, now, remote_addr=remote_addr)
        store.add_contact(conn, row["id"], client.username, now, email=_field(form, "email", 200),
                          first_name=first, last_name=last, phone=_field(form, "phone", 40),
                          device_id=_field(form, "device_id", 200), account_id=_field(form, "account_id", 200))
    for topic, data in pubs:
        _publish(services, topic, data)
    notice = "已受理，请留意案件编号以便查询。" if _lang(services).startswith("zh") else \
        "Received; keep the request id to follow it."
    return [{"service_request_id": row["code"], "service_notice": notice, "account_id": _field(form, "account_id", 200)}]


def _publish(services: Services, topic: str, data: dict[str, Any]) -> None:
    from dashboard.bus import BusUnavailable
    try:
        services.bus.publish(topic, data)
    except BusUnavailable:
        pass   # the report is stored; screens catch up from the store
