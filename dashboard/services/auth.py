"""Sign-in, users, API and kiosk tokens — each change written with its audit entry in one transaction."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.store import as_utc, audit, auth as auth_store, utcnow

from . import passwords
from .container import Services

FREE_FAILURES = 5            # failures before sign-in slows down
MAX_LOCK = timedelta(minutes=15)
ASSIGNABLE_ROLES = (workflow.ADMIN, workflow.DISPATCHER, workflow.OPERATOR, workflow.LEADER)
OPEN311_KIND = "open311"     # token kind of Open311 API keys (dashboard.web.open311_server)


class AuthError(Exception):
    """A refused request about users or tokens; the message is for the person who asked."""


@dataclass(frozen=True)
class SignInRefused(Exception):
    reason: str
    retry_after: int = 0

    def __str__(self) -> str:
        return self.reason


def lock_for(failures: int) -> timedelta:
    """No delay for the first few failures, then doubling: 1 s, 2 s, 4 s … up to 15 minutes."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES, 20)), MAX_LOCK)


TOUCH_EVERY_SECONDS = 60


class AuthService:
    def __init__(self, services: Services) -> None:
        self.services = services

    # -- sign-in ------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str, remote_addr: str | None) -> Identity:
        """Check a name and password. Failures are counted per user and per address and slow down
        further attempts; every outcome is audited (the audit entry commits even when we refuse)."""
        now = utcnow()
        keys = [f"user:{username.lower()}", f"ip:{remote_addr or '-'}"]
        throttled: str | None = None
        wait = 0.0
        # Read, then check the password with no transaction open: the hash takes a deliberate tenth of
        # a second, and on SQLite a write transaction would hold every other writer that long.
        with self.services.store.connect() as conn:
            for key in keys:
                count, last = auth_store.failures(conn, key)
                wait = (last + lock_for(count) - now).total_seconds() if last else 0
                if wait > 0:
                    throttled = f"{count} failures ({key})"
                    break
            user = auth_store.get_user(conn, username) if throttled is None else None
        good = (throttled is None and user is not None and not user["disabled"]
                and passwords.verify_password(password, user["password_hash"]))
        refusal: SignInRefused | None = None
        with self.services.store.begin() as conn:
            if throttled is not None:
                refusal = SignInRefused("too many failed sign-ins; try again later", int(wait) + 1)
                audit.append(conn, at=now, actor=username or "-", actor_role="-", action="sign_in_throttled",
                             remote_addr=remote_addr, reason=throttled)
            elif good:
                for key in keys:
                    auth_store.clear_failures(conn, key)
                audit.append(conn, at=now, actor=username, actor_role=user["role"], action="sign_in",
                             remote_addr=remote_addr)
            else:
                refusal = SignInRefused("wrong user name or password")
                for key in keys:
                    auth_store.record_failure(conn, key, now)
                audit.append(conn, at=now, actor=username or "-", actor_role=user["role"] if user else "-",
                             action="sign_in_failed", remote_addr=remote_addr,
                             reason="disabled" if user and user["disabled"] else "bad name or password")
        if refusal is not None:
            raise refusal
        return Identity(user["username"], user["role"], user["department"], user["display_name"])

    def sign_out(self, identity: Identity, remote_addr: str | None, reason: str | None = None) -> None:
        with self.services.store.begin() as conn:
            audit.append(conn, at=utcnow(), actor=identity.username, actor_role=identity.role,
                         action="sign_out", remote_addr=remote_addr, reason=reason)

    def current(self, username: str) -> Identity | None:
        """The user as stored now (a disabled user or a changed role takes effect at once)."""
        with self.services.store.connect() as conn:
            user = auth_store.get_user(conn, username)
        if not user or user["disabled"]:
            return None
        return Identity(user["username"], user["role"], user["department"], user["display_name"])

    # -- users --------------------------------------------------------------------------------
    def add_user(self, actor: Identity, username: str, role: str, department: str | None, password: str,
                 display_name: str | None = None) -> None:
        if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise AuthError("a user name is letters, digits, '-', '_' or '.'")
        if role not in ASSIGNABLE_ROLES:
            raise AuthError(f"role must be one of {', '.join(ASSIGNABLE_ROLES)}")
        departments = {d.code for d in self.services.city.departments}
        if role == workflow.OPERATOR:
            if department not in departments:
                raise AuthError(f"a department operator needs --department, one of {', '.join(sorted(departments))}")
        elif department:
            raise AuthError("only department operators belong to a department")
        try:
            passwords.check_strength(password)
        except ValueError as exc:
            raise AuthError(str(exc)) from None
        now = utcnow()
        with self.services.store.begin() as conn:
            if auth_store.get_user(conn, username):
                raise AuthError(f"user {username!r} exists already")
            auth_store.add_user(conn, username, role, department, passwords.hash_password(password), now, display_name)
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action="user_add",
                         target_type="user", target_id=username,
                         after={"role": role, "department": department, "display_name": display_name})

    def list_users(self) -> list[dict]:
        with self.services.store.connect() as conn:
            return [{k: u[k] for k in ("username", "role", "department", "display_name", "disabled", "created_at")}
                    for u in auth_store.list_users(conn)]

    def set_disabled(self, actor: Identity, username: str, disabled: bool) -> None:
        now = utcnow()
        with self.services.store.begin() as conn:
            user = auth_store.get_user(conn, username)
            if not user:
                raise AuthError(f"no user {username!r}")
            auth_store.update_user(conn, username, now, disabled=disabled)
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role,
                         action="user_disable" if disabled else "user_enable", target_type="user",
                         target_id=username, before={"disabled": user["disabled"]}, after={"disabled": disabled})

    def reset_password(self, actor: Identity, username: str, password: str) -> None:
        try:
            passwords.check_strength(password)
        except ValueError as exc:
            raise AuthError(str(exc)) from None
        now = utcnow()
        with self.services.store.begin() as conn:
            if not auth_store.update_user(conn, username, now, password_hash=passwords.hash_password(password)):
                raise AuthError(f"no user {username!r}")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action="user_reset_password",
                         target_type="user", target_id=username)

    # -- tokens -------------------------------------------------------------------------------
    def create_token(self, actor: Identity, name: str, username: str | None = None, kind: str = "api") -> str:
        """A new bearer token (api: acts as `username`) or wall kiosk token; the secret is returned once."""
        now = utcnow()
        with self.services.store.begin() as conn:
            user_id = None
            if kind == "api":
                user = auth_store.get_user(conn, username or name)
                if not user:
                    raise AuthError(f"no user {(username or name)!r} for the token to act as")
                user_id = user["id"]
            secret, digest, prefix = passwords.new_token({"kiosk": "cok", OPEN311_KIND: "co3"}.get(kind, "cot"))
            auth_store.add_token(conn, kind, name, user_id, digest, prefix, now)
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action=f"{kind}_token_create",
                         target_type="token", target_id=prefix, after={"name": name, "user": username})
        return secret

    def revoke_token(self, actor: Identity, name_or_prefix: str, kind: str = "api") -> int:
        now = utcnow()
        with self.services.store.begin() as conn:
            count = auth_store.revoke_tokens(conn, kind, name_or_prefix, now)
            if not count:
                raise AuthError(f"no active {kind} token named {name_or_prefix!r}")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action=f"{kind}_token_revoke",
                         target_type="token", target_id=name_or_prefix)
        return count

    def list_tokens(self, kind: str | None = None) -> list[dict]:
        with self.services.store.connect() as conn:
            return [{k: tk[k] for k in ("kind", "name", "prefix", "username", "created_at", "revoked_at", "last_used_at")}
                    for tk in auth_store.list_tokens(conn, kind)]

    def authenticate_token(self, secret: str, kind: str = "api") -> Identity | None:
        if not secret:
            return None
        now = utcnow()
        with self.services.store.connect() as conn:
            token = auth_store.token_by_hash(conn, passwords.token_hash(secret))
            if not token or token["kind"] != kind or token["revoked_at"] is not None:
                return None
            user = auth_store.get_user_by_id(conn, token["user_id"]) if token["user_id"] is not None else None
        last_used = token["last_used_at"]
        if last_used is None or (now - as_utc(last_used)).total_seconds() >= TOUCH_EVERY_SECONDS:
            # "last used" to the minute: a write per request would queue every API call behind it
            with self.services.store.begin() as conn:
                auth_store.touch_token(conn, token["id"], now)
        if kind == "kiosk":
            return Identity(f"kiosk:{token['name']}", workflow.WALL, via="kiosk")
        if kind == OPEN311_KIND:   # a citizen app posting Open311 requests: no role, no user
            return Identity(f"open311:{token['name']}", OPEN311_KIND, via=OPEN311_KIND)
        if not user or user["disabled"]:
            return None
        return Identity(user["username"], user["role"], user["department"], user["display_name"], via="token")

    # -- the demo city's people ---------------------------------------------------------------
    def ensure_demo_users(self, data_dir: str) -> tuple[Path, dict[str, str] | None]:
        """On first start, create demo users with random passwords, written to a file only the owner
        can read. Returns (file, the new logins) — logins None when they existed already."""
        path = Path(data_dir) / "demo-logins.txt"
        with self.services.store.connect() as conn:
            if auth_store.list_users(conn):
                return path, None
        departments = self.services.city.departments
        people = [("admin", workflow.ADMIN, None, "管理员"), ("dispatcher", workflow.DISPATCHER, None, "调度员 王敏"),
                  ("dispatcher2", workflow.DISPATCHER, None, "调度员 李强"), ("leader", workflow.LEADER, None, "分管领导")]
        people += [(f"op-{d.code.lower()}", workflow.OPERATOR, d.code, d.name_zh) for d in departments[:4]]
        system = Identity("cityops", workflow.ADMIN, via="cli")
        logins = {}
        for username, role, dept, name in people:
            password = passwords.random_password()
            self.add_user(system, username, role, dept, password, name)
            logins[username] = password
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# CityOps demo logins (created on first start)\n")
            for username, password in logins.items():
                fh.write(f"{username}\t{password}\n")
        os.chmod(path, 0o600)
        return path, logins
