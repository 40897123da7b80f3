"""Users, API and kiosk tokens, sign-in failures."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import as_utc, schema as t
from .feeds import _insert


def _user(r) -> dict:
    d = dict(r._mapping)
    d["created_at"], d["updated_at"] = as_utc(d["created_at"]), as_utc(d["updated_at"])
    return d


def get_user(conn: Connection, username: str) -> dict | None:
    r = conn.execute(sa.select(t.users).where(t.users.c.username == username)).first()
    return _user(r) if r else None


def get_user_by_id(conn: Connection, user_id: int) -> dict | None:
    r = conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
    return _user(r) if r else None


def list_users(conn: Connection) -> list[dict]:
    return [_user(r) for r in conn.execute(sa.select(t.users).order_by(t.users.c.username))]


def add_user(conn: Connection, username: str, role: str, department: str | None, password_hash: str,
             at: datetime, display_name: str | None = None) -> int:
    return conn.execute(t.users.insert().values(
        username=username, role=role, department=department, password_hash=password_hash,
        display_name=display_name, disabled=False, created_at=at, updated_at=at)).inserted_primary_key[0]


def update_user(conn: Connection, username: str, at: datetime, **values) -> bool:
    return conn.execute(t.users.update().where(t.users.c.username == username)
                        .values(updated_at=at, **values)).rowcount > 0


def add_token(conn: Connection, kind: str, name: str, user_id: int | None, token_hash: str, prefix: str,
              at: datetime) -> int:
    return conn.execute(t.api_tokens.insert().values(
        kind=kind, name=name, user_id=user_id, token_hash=token_hash, prefix=prefix,
        created_at=at)).inserted_primary_key[0]


def token_by_hash(conn: Connection, token_hash: str) -> dict | None:
    r = conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)).first()
    return dict(r._mapping) | {"revoked_at": as_utc(r.revoked_at)} if r else None


def list_tokens(conn: Connection, kind: str | None = None) -> list[dict]:
    q = sa.select(t.api_tokens, t.users.c.username).outerjoin(t.users).order_by(t.api_tokens.c.id)
    if kind:
        q = q.where(t.api_tokens.c.kind == kind)
    return [dict(r._mapping) for r in conn.execute(q)]


def revoke_tokens(conn: Connection, kind: str, name_or_prefix: str, at: datetime) -> int:
    tk = t.api_tokens.c
    return conn.execute(t.api_tokens.update().where(
        tk.kind == kind, tk.revoked_at.is_(None),
        sa.or_(tk.name == name_or_prefix, tk.prefix == name_or_prefix)).values(revoked_at=at)).rowcount


def touch_token(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == token_id).values(last_used_at=at))


def failures(conn: Connection, key: str) -> tuple[int, datetime | None]:
    r = conn.execute(sa.select(t.sign_in_failures).where(t.sign_in_failures.c.key == key[:200])).first()
    return (r.failures, as_utc(r.last_failure)) if r else (0, None)


def record_failure(conn: Connection, key: str, at: datetime, window: timedelta | None = None) -> None:
    """One more failure; a count whose last failure is older than `window` starts again at 1."""
    f = t.sign_in_failures.c
    stmt = _insert(conn, t.sign_in_failures).values(key=key[:200], failures=1, last_failure=at)
    count = f.failures + 1 if window is None else sa.case((f.last_failure < at - window, 1), else_=f.failures + 1)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"failures": count, "last_failure": at}))


def clear_failures(conn: Connection, key: str) -> None:
    conn.execute(t.sign_in_failures.delete().where(t.sign_in_failures.c.key == key[:200]))
