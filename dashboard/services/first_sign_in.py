"""The first sign-in of a user brought in with a temporary password (services.city_users): the name and
temporary password are checked as any sign-in (dashboard.services.auth), then, instead of a session,
the person gets a one-time ticket for the password page; only a new password of their own opens a
session. Each step audited."""
from __future__ import annotations

import secrets
from datetime import timedelta

from dashboard.domain.identity import Identity
from dashboard.store import as_utc, audit, auth as auth_store, password_due, sessions as session_store, utcnow

from . import passwords
from .container import Services

TICKET_LIFETIME = timedelta(minutes=15)


class PasswordRefused(Exception):
    """The new password cannot be taken; `key` names the message (translations "pw.error.*")."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key


def must_change(services: Services, username: str) -> bool:
    with services.store.connect() as conn:
        return password_due.is_due(conn, username)


def issue_ticket(services: Services, identity: Identity) -> str:
    """A one-time ticket for the password page (after the temporary password was checked)."""
    ticket = secrets.token_urlsafe(32)
    with services.store.begin() as conn:
        password_due.set_ticket(conn, identity.username, passwords.token_hash(ticket), utcnow() + TICKET_LIFETIME)
    return ticket


def ticket_user(services: Services, ticket: str | None) -> str | None:
    """Whose ticket this is, while it is good."""
    if not ticket or not isinstance(ticket, str) or len(ticket) > 200:
        return None
    with services.store.connect() as conn:
        found = password_due.by_ticket(conn, passwords.token_hash(ticket))
    if found is None or found[1] is None or utcnow() >= as_utc(found[1]):
        return None
    return found[0]


def set_own_password(services: Services, ticket: str, password: str, repeat: str,
                     remote_addr: str | None) -> Identity:
    """Take the person's own password; the ticket is spent. Raises PasswordRefused."""
    username = ticket_user(services, ticket)
    if username is None:
        raise PasswordRefused("expired")
    if password != repeat:
        raise PasswordRefused("mismatch")
    if len(password) > 1024:
        raise PasswordRefused("weak")
    try:
        passwords.check_strength(password)
    except ValueError as exc:
        raise PasswordRefused("weak", str(exc)) from None
    with services.store.connect() as conn:
        user = auth_store.get_user(conn, username)
    if user is None or user["disabled"]:
        raise PasswordRefused("expired")
    if passwords.verify_password(password, user["password_hash"]):
        raise PasswordRefused("same")
    digest = passwords.hash_password(password)   # outside the write lock: the hash takes a tenth of a second
    now = utcnow()
    with services.store.begin() as conn:
        if password_due.by_ticket(conn, passwords.token_hash(ticket)) is None:   # spent meanwhile
            raise PasswordRefused("expired")
        auth_store.update_user(conn, username, now, password_hash=digest)
        password_due.clear(conn, username)
        session_store.revoke_user(conn, username, now, "password set")
        audit.append(conn, at=now, actor=username, actor_role=user["role"], action="user_set_own_password",
                     target_type="user", target_id=username, remote_addr=remote_addr, reason="first sign-in")
    return Identity(user["username"], user["role"], user["department"], user["display_name"])
