"""Sign-in, users, API and kiosk tokens — each change written with its audit entry in one transaction."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from dashboard.domain import workflow
from dashboard.domain.identity import Identity
from dashboard.store import as_utc, audit, auth as auth_store, password_due, sessions as session_store, utcnow

from . import passwords
from .container import Services

FREE_FAILURES = 5            # failures of one account from one address before sign-in slows down
MAX_LOCK = timedelta(minutes=15)
# Throttled per account from one address (above), per address across accounts (password spraying:
# never cleared by a success) and per account across addresses (a slow cap, so nobody can lock a
# user out for long); failures older than WINDOW are forgotten. Nothing throttles everyone at once.
ADDRESS_FREE_FAILURES = 20
ACCOUNT_FREE_FAILURES = 10
ACCOUNT_MAX_LOCK = timedelta(minutes=1)
WINDOW = timedelta(minutes=15)
MAX_USERNAME = 64            # longer names are no user of ours (users.username is 64 characters)
MAX_PASSWORD = 1024          # longer passwords are not hashed (the hash takes a deliberate tenth of a second)
TOUCH_SESSION_SECONDS = 60
ASSIGNABLE_ROLES = (workflow.ADMIN, workflow.DISPATCHER, workflow.OPERATOR, workflow.LEADER,
                    workflow.INSPECTOR)   # inspectors' beats: dashboard.services.field (issue 18)
OPEN311_KIND = "open311"     # token kind of Open311 API keys (dashboard.web.open311_server)


class AuthError(Exception):
    """A refused request about users or tokens; the message is for the person who asked."""


@dataclass(frozen=True)
class SignInRefused(Exception):
    reason: str
    retry_after: int = 0

    def __str__(self) -> str:
        return self.reason


def lock_for(failures: int, free: int = FREE_FAILURES, cap: timedelta = MAX_LOCK) -> timedelta:
    """No delay for the first few failures, then doubling: 1 s, 2 s, 4 s … up to 15 minutes."""
    if failures < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free, 20)), cap)


def throttle_keys(username: str, remote_addr: str | None) -> list[tuple[str, int, timedelta]]:
    """(key, free failures, longest lock) of each counter a sign-in attempt is held to."""
    name, addr = username.lower(), remote_addr or "-"
    return [(f"user:{name}@{addr}", FREE_FAILURES, MAX_LOCK), (f"ip:{addr}", ADDRESS_FREE_FAILURES, MAX_LOCK),
            (f"user:{name}", ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_LOCK)]


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to check unknown names against, so that they cost the same time as known ones."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(passwords.hash_password(passwords.random_password()))
    return _DUMMY_HASH[0]


@dataclass(frozen=True)
class SessionCheck:
    identity: Identity | None
    csrf: str | None = None
    expired: bool = False       # ended by its idle or absolute limit (the sign-in page says so)


TOUCH_EVERY_SECONDS = 60


class AuthService:
    def __init__(self, services: Services) -> None:
        self.services = services

    # -- sign-in ------------------------------------------------------------------------------
    def sign_in(self, username: str, password: str, remote_addr: str | None) -> Identity:
        """Check a name and password. Failures are counted per account and address, per address and per
        account, and slow down further attempts; every outcome is audited (the audit entry commits even
        when we refuse). Unknown and known names cost the same time."""
        now = utcnow()
        username = (username or "")[:MAX_USERNAME + 1]
        too_long = len(username) > MAX_USERNAME or len(password or "") > MAX_PASSWORD
        keys = throttle_keys(username[:MAX_USERNAME], remote_addr)
        throttled: str | None = None
        wait = 0.0
        # Read, then check the password with no transaction open: the hash takes a deliberate tenth of
        # a second, and on SQLite a write transaction would hold every other writer that long.
        with self.services.store.connect() as conn:
            for key, free, cap in keys:
                count, last = auth_store.failures(conn, key)
                if last is not None and now - last > WINDOW:
                    continue
                wait = (last + lock_for(count, free, cap) - now).total_seconds() if last else 0
                if wait > 0:
                    throttled = f"{count} failures ({key.split(':')[0]})"
                    break
            user = auth_store.get_user(conn, username) if throttled is None and not too_long else None
        good = False
        if throttled is None:
            known = user is not None and not user["disabled"]
            checked = passwords.verify_password((password or "")[:MAX_PASSWORD],
                                                user["password_hash"] if known else _dummy_hash())
            good = known and checked and not too_long
        refusal: SignInRefused | None = None
        with self.services.store.begin() as conn:
            if throttled is not None:
                refusal = SignInRefused("too many failed sign-ins; try again later", int(wait) + 1)
                audit.append(conn, at=now, actor=username or "-", actor_role="-", action="sign_in_throttled",
                             remote_addr=remote_addr, reason=throttled)
            elif good:
                auth_store.clear_failures(conn, keys[0][0])   # this account from this address only
                audit.append(conn, at=now, actor=username, actor_role=user["role"], action="sign_in",
                             remote_addr=remote_addr)
            else:
                refusal = SignInRefused("wrong user name or password")
                for key, _, _ in keys:
                    auth_store.record_failure(conn, key, now, WINDOW)
                audit.append(conn, at=now, actor=username or "-", actor_role=user["role"] if user else "-",
                             action="sign_in_failed", remote_addr=remote_addr,
                             reason="disabled" if user and user["disabled"] else "bad name or password")
        if refusal is not None:
            raise refusal
        return Identity(user["username"], user["role"], user["department"], user["display_name"])

    # -- sessions (server-side: revocable) ------------------------------------------------------
    def open_session(self, identity: Identity, remote_addr: str | None) -> tuple[str, str]:
        """A new session for a signed-in user: (the id for the cookie, its own new CSRF token)."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        lifetime = timedelta(hours=self.services.settings.session_max_hours)
        with self.services.store.begin() as conn:
            session_store.create(conn, passwords.token_hash(sid), identity.username, identity.role, csrf, now,
                                 now + lifetime, remote_addr)
            session_store.prune(conn, now - timedelta(days=7))
        return sid, csrf

    def session_identity(self, sid: str, touch: bool = True) -> SessionCheck:
        """Who a session id belongs to now; None when it ended (signed out, revoked, idle, too old) or its
        user was disabled or changed role."""
        if not sid or not isinstance(sid, str) or len(sid) > 200:
            return SessionCheck(None)
        now = utcnow()
        digest = passwords.token_hash(sid)
        with self.services.store.connect() as conn:
            row = session_store.get(conn, digest)
            user = auth_store.get_user(conn, row["username"]) if row else None
        if row is None or row["revoked_at"] is not None:
            return SessionCheck(None)
        idle = timedelta(minutes=self.services.settings.session_idle_minutes)
        if now >= as_utc(row["expires_at"]) or now - as_utc(row["seen_at"]) > idle:
            with self.services.store.begin() as conn:
                session_store.revoke(conn, digest, now, "expired")
            return SessionCheck(None, expired=True)
        if not user or user["disabled"] or user["role"] != row["role"]:
            with self.services.store.begin() as conn:
                session_store.revoke(conn, digest, now, "user changed")
            return SessionCheck(None)
        if touch and (now - as_utc(row["seen_at"])).total_seconds() >= TOUCH_SESSION_SECONDS:
            with self.services.store.begin() as conn:   # idle time to the minute: not a write per request
                session_store.touch(conn, digest, now)
        return SessionCheck(Identity(user["username"], user["role"], user["department"], user["display_name"]),
                            row["csrf"])

    def end_session(self, sid: str | None, reason: str = "signed out") -> None:
        if sid:
            with self.services.store.begin() as conn:
                session_store.revoke(conn, passwords.token_hash(sid), utcnow(), reason[:32])

    def sign_out(self, identity: Identity, remote_addr: str | None, reason: str | None = None,
                 sid: str | None = None) -> None:
        with self.services.store.begin() as conn:
            if sid:
                session_store.revoke(conn, passwords.token_hash(sid), utcnow(), "signed out")
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
            if disabled:
                session_store.revoke_user(conn, username, now, "user disabled")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role,
                         action="user_disable" if disabled else "user_enable", target_type="user",
                         target_id=username, before={"disabled": user["disabled"]}, after={"disabled": disabled})

    def reset_password(self, actor: Identity, username: str, password: str, temporary: bool = True) -> None:
        """A new password set by an administrator. Temporary by default: the administrator knows it, so
        the person chooses their own at the next sign-in; `temporary=False` (a service account, say)
        also ends a change still pending from before (a city package's temporary password)."""
        try:
            passwords.check_strength(password)
        except ValueError as exc:
            raise AuthError(str(exc)) from None
        digest = passwords.hash_password(password)   # outside the write lock: the hash takes a tenth of a second
        now = utcnow()
        with self.services.store.begin() as conn:
            if not auth_store.update_user(conn, username, now, password_hash=digest):
                raise AuthError(f"no user {username!r}")
            if temporary:
                password_due.mark(conn, username, now, "password reset")
            else:
                password_due.clear(conn, username)
            session_store.revoke_user(conn, username, now, "password reset")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action="user_reset_password",
                         target_type="user", target_id=username,
                         reason="temporary: to be changed at the next sign-in" if temporary else "permanent")

    def set_role(self, actor: Identity, username: str, role: str, department: str | None = None) -> None:
        """Change a user's role (and department); the user's open sessions end."""
        if role not in ASSIGNABLE_ROLES:
            raise AuthError(f"role must be one of {', '.join(ASSIGNABLE_ROLES)}")
        departments = {d.code for d in self.services.city.departments}
        if role == workflow.OPERATOR and department not in departments:
            raise AuthError(f"a department operator needs --department, one of {', '.join(sorted(departments))}")
        if role != workflow.OPERATOR:
            department = None
        now = utcnow()
        with self.services.store.begin() as conn:
            user = auth_store.get_user(conn, username)
            if not user:
                raise AuthError(f"no user {username!r}")
            auth_store.update_user(conn, username, now, role=role, department=department)
            session_store.revoke_user(conn, username, now, "role changed")
            audit.append(conn, at=now, actor=actor.username, actor_role=actor.role, action="user_set_role",
                         target_type="user", target_id=username,
                         before={"role": user["role"], "department": user["department"]},
                         after={"role": role, "department": department})

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
        # display names are people's names only: the header adds the role (and department) in the screen's language
        people = [("admin", workflow.ADMIN, None, None), ("dispatcher", workflow.DISPATCHER, None, "王敏"),
                  ("dispatcher2", workflow.DISPATCHER, None, "李强"), ("leader", workflow.LEADER, None, "陈静")]
        # an operator for every city-level department and for the first district-level one
        citywide = [d for d in departments if not d.districts]
        local = [d for d in departments if d.districts][:1]
        people += [(f"op-{d.code.lower()}", workflow.OPERATOR, d.code, None) for d in citywide + local]
        from dashboard.demo import inspectors   # 监督员 with beats, so /field has someone to sign in as
        people += [(name, workflow.INSPECTOR, None, display) for name, display in inspectors.INSPECTORS]
        system = Identity("cityops", workflow.ADMIN, via="cli")
        logins = {}
        for username, role, dept, name in people:
            password = passwords.random_password()
            self.add_user(system, username, role, dept, password, name)
            logins[username] = password
        from .field import set_beat
        for username, districts in inspectors.beats(self.services.city).items():
            set_beat(self.services, system, username, districts, [])
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# CityOps demo logins (created on first start)\n")
            for username, password in logins.items():
                fh.write(f"{username}\t{password}\n")
        os.chmod(path, 0o600)
        return path, logins
