"""What the Audit log page reads: entries newest first, filtered, one page at a time (offset and
limit in the database). Admins only. Read-only: there is no function here, nor anywhere in the app,
that changes or removes an entry (the database refuses it too, see dashboard.store.audit)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.domain import permissions
from dashboard.domain.identity import Identity
from dashboard.store import audit as audit_store

from .container import Services

PAGE = "/admin/audit"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class AuditViewRefused(PermissionError):
    """The role may not read the audit log."""


class BadFilter(ValueError):
    """A filter value that cannot be used (the message says which)."""


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None       # UTC, inclusive
    until: datetime | None = None       # UTC, exclusive

    def as_query(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _day(value: Any, name: str) -> date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])      # "2025-05-01" or "2025-05-01T00:00:00"
    except ValueError:
        raise BadFilter(f"{name} must be a date (YYYY-MM-DD), not {text!r}") from None


def parse_filters(*, actor: Any = None, action: Any = None, target_type: Any = None, target_id: Any = None,
                  start_date: Any = None, end_date: Any = None, tz: str = "UTC") -> AuditFilters:
    """Filters from what the page (or a URL) sends. Dates are whole days in the city's time zone,
    both ends included; a range given backwards is turned round."""
    first, last = _day(start_date, "start date"), _day(end_date, "end date")
    if first and last and first > last:
        first, last = last, first
    zone = ZoneInfo(tz)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(timezone.utc)

    return AuditFilters(
        actor=_text(actor), action=_text(action), target_type=_text(target_type), target_id=_text(target_id),
        since=midnight(first) if first else None, until=midnight(last + timedelta(days=1)) if last else None)


def page_window(offset: Any, limit: Any, total: int) -> tuple[int, int]:
    """A sane (offset, limit): limit 1…MAX_PAGE_SIZE, offset on a page boundary inside the results."""
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        limit = PAGE_SIZE
    limit = max(1, min(MAX_PAGE_SIZE, limit))
    try:
        offset = max(0, int(offset))
    except (TypeError, ValueError):
        offset = 0
    if total and offset >= total:
        offset = (total - 1) // limit * limit        # past the end: the last page
    return offset - offset % limit, limit


def changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """What an entry changed, field by field: [{"field", "before", "after"}]. Fields that did not
    change are left out; a value that is not an object is one change without a field name."""
    if before is None and after is None:
        return []
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        fields = list(before) + [k for k in after if k not in before]
        return [{"field": f, "before": before.get(f), "after": after.get(f)}
                for f in fields if before.get(f) != after.get(f) or (f in before) != (f in after)]
    return [] if before == after else [{"field": None, "before": before, "after": after}]


def entry(row: dict) -> dict[str, Any]:
    return {"id": row["id"], "at": row["at"].isoformat(), "actor": row["actor"], "actor_role": row["actor_role"],
            "remote_addr": row.get("remote_addr"), "action": row["action"], "target_type": row.get("target_type"),
            "target_id": row.get("target_id"), "changes": changes(row.get("before"), row.get("after")),
            "reason": row.get("reason")}


def audit_page(services: Services, who: Identity | None, filters: AuditFilters, offset: Any = 0,
               limit: Any = PAGE_SIZE) -> dict[str, Any]:
    """{"items": entries newest first, "total", "offset", "limit"}."""
    if who is None or not permissions.may_open_page(who.role, PAGE):
        raise AuditViewRefused(f"a {who.role if who else 'visitor'} may not read the audit log")
    query = filters.as_query()
    with services.store.connect() as conn:
        total = audit_store.count(conn, **query)
        offset, limit = page_window(offset, limit, total)
        rows = audit_store.query(conn, **query, limit=limit, offset=offset) if total else []
    return {"items": [entry(r) for r in rows], "total": total, "offset": offset, "limit": limit}
