"""What the Feeds page reads: feed health, and the dead letters with their reasons.

The raw payload of a dead letter may hold anything a source sent (reporters' names and phone numbers
too), so only the roles in permissions.SEES_DEAD_LETTER_PAYLOAD get it; the rule is applied here, on
the server: a dispatcher's answer never carries the payload, whatever the page shows."""
from __future__ import annotations

from typing import Any

from dashboard.domain import permissions
from dashboard.domain.identity import Identity
from dashboard.store import feeds as feed_store

from .container import Services
from .health import feed_health_report

PAGE = "/feeds"
LIST_LIMIT = 200          # newest dead letters in the table
PREVIEW_CHARS = 160       # of each payload in the table (the whole one comes with the detail)


class FeedsViewRefused(PermissionError):
    """The role may not read the Feeds page."""


def _check(who: Identity | None) -> Identity:
    if who is None or not permissions.may_open_page(who.role, PAGE):
        raise FeedsViewRefused(f"a {who.role if who else 'visitor'} may not read the feeds")
    return who


def sees_payload(who: Identity | None) -> bool:
    return who is not None and who.role in permissions.SEES_DEAD_LETTER_PAYLOAD


def preview(raw: str | None, limit: int = PREVIEW_CHARS) -> str:
    """One line: whitespace runs folded to a space, cut at `limit` characters with an ellipsis."""
    text = " ".join((raw or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def dead_letter_item(row: dict, with_payload: bool) -> dict[str, Any]:
    """A dead letter as the page gets it; the payload only `with_payload`."""
    item = {"id": row["id"], "connector": row["connector"], "received_at": row["received_at"].isoformat(),
            "reason": row["reason"]}
    if with_payload:
        raw = row.get("raw") or ""
        item["raw_preview"] = preview(raw)
        item["raw_length"] = row.get("raw_length", len(raw))
        if "raw_length" not in row:        # the whole payload was read: hand it on
            item["raw"] = raw
    return item


def health(services: Services, who: Identity | None) -> dict[str, Any]:
    """The feed health report, and the bus position it was read at (for the page's live updates)."""
    _check(who)
    last_id = services.bus.position()   # first: anything published later reaches the page live
    return feed_health_report(services) | {"bus_last_id": last_id}


def dead_letters(services: Services, who: Identity | None, connector: str | None = None,
                 limit: int = LIST_LIMIT) -> dict[str, Any]:
    """The newest dead letters (of one connector, or all): {"items", "total", "payload_visible"}."""
    with_payload = sees_payload(_check(who))
    with services.store.connect() as conn:
        rows = feed_store.dead_letters(conn, connector or None, limit,
                                       raw_chars=PREVIEW_CHARS * 2 if with_payload else 0)
        total = feed_store.count_dead_letters(conn, connector or None)
    return {"items": [dead_letter_item(r, with_payload) for r in rows], "total": total,
            "payload_visible": with_payload}


def dead_letter(services: Services, who: Identity | None, dead_letter_id: int) -> dict[str, Any] | None:
    """One dead letter, with the whole payload for those who may see it."""
    with_payload = sees_payload(_check(who))
    with services.store.connect() as conn:
        row = feed_store.dead_letter(conn, int(dead_letter_id))
    if row is None:
        return None
    return dead_letter_item(row, with_payload) | {"payload_visible": with_payload}
