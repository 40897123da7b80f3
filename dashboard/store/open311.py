"""Service requests as Open311 reads them (incidents of citizen-reportable categories) and the
contact details a citizen left, kept in a table of their own that no listing reads."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as t
from .incidents import _incident


def search(conn: Connection, *, codes: list[str], request_ids: list[str] | None = None,
           service_codes: list[str] | None = None, statuses: list[str] | None = None,
           requested_from: datetime | None = None, requested_to: datetime | None = None,
           updated_after: datetime | None = None, updated_before: datetime | None = None,
           limit: int = 1000, offset: int = 0, oldest_change_first: bool = False) -> list[dict]:
    i = t.incidents.c
    where = [i.category.in_(codes)]
    if request_ids is not None:
        where.append(i.code.in_(request_ids))
    else:
        if service_codes:
            where.append(i.category.in_(service_codes))
        if statuses:
            where.append(i.status.in_(statuses))
        if requested_from is not None:
            where.append(i.reported_at >= requested_from)
        if requested_to is not None:
            where.append(i.reported_at <= requested_to)
        if updated_after is not None:
            where.append(i.updated_at > updated_after)
        if updated_before is not None:
            where.append(i.updated_at < updated_before)
    # a client paging with updated_after sees a stable order; otherwise the newest requests first
    order = (i.updated_at.asc(), i.id.asc()) if oldest_change_first else (i.reported_at.desc(), i.id.desc())
    q = sa.select(t.incidents).where(*where).order_by(*order).limit(limit).offset(offset)
    return [_incident(r) for r in conn.execute(q)]


def by_code(conn: Connection, code: str) -> dict | None:
    r = conn.execute(sa.select(t.incidents).where(t.incidents.c.code == code)).first()
    return _incident(r) if r else None


def add_contact(conn: Connection, incident_id: int, client: str, at: datetime, **fields) -> None:
    conn.execute(t.open311_contacts.insert().values(incident_id=incident_id, client=client, received_at=at,
                                                    **fields))


def contact(conn: Connection, incident_id: int) -> dict | None:
    r = conn.execute(sa.select(t.open311_contacts).where(t.open311_contacts.c.incident_id == incident_id)).first()
    return dict(r._mapping) if r else None
