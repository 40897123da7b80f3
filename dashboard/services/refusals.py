"""Refused attempts go to the audit log too (action `refused`): a cross-department read or action, a
forbidden action or route, a failed CSRF check. One short entry each, in a transaction of its own
(the refused work itself is rolled back); a store that does not answer never turns a refusal into a 500."""
from __future__ import annotations

import logging

from dashboard.domain.identity import Identity
from dashboard.store import audit, utcnow

log = logging.getLogger(__name__)
ACTION = "refused"


def record(services, identity: Identity | None, what: str, reason: str, remote_addr: str | None = None,
           target_type: str | None = None, target_id=None) -> None:
    try:
        with services.store.begin() as conn:
            audit.append(conn, at=utcnow(), actor=identity.username if identity else "-",
                         actor_role=identity.role if identity else "-", action=ACTION, remote_addr=remote_addr,
                         target_type=target_type or "request", target_id=target_id if target_id is not None else what,
                         reason=reason)
    except Exception as exc:   # noqa: BLE001 - the refusal stands; say in the log that it went unrecorded
        log.warning("could not record a refusal (%s): %s", what, exc)
