"""Users from a city package (users.csv): new users by role and department, never a password in a
file. Each new user gets a temporary password, written once to a file only the owner can read in the
data dir; signing in with it leads to the password page before anything else (services.first_sign_in).

Existing users are never changed by an import: where the package says otherwise (role, department,
name), the plan reports the difference and the command that would make it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dashboard.citypkg.read import UserRow
from dashboard.domain import workflow
from dashboard.store import Store, audit, auth as auth_store, password_due, utcnow

from . import passwords
from .auth import ASSIGNABLE_ROLES

REASON = "city import"
# a package role that is a user of another name here: department crews sign in as their department's operators
ROLE_ALIASES = {"crew": workflow.OPERATOR}
NOT_USERS = {workflow.WALL: "the wall signs in with a kiosk link, not as a user: `cityops kiosk create NAME`"}


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    department: str | None
    display_name: str | None
    note: str = ""               # how the row was read ("crew → operator", "department ignored …")


@dataclass
class UsersPlan:
    new: list[NewUser] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    differs: list[tuple[str, list[str]]] = field(default_factory=list)   # (user, "role dispatcher → admin", …)
    skipped: list[tuple[str, str]] = field(default_factory=list)         # (user, why)

    @property
    def empty(self) -> bool:
        return not self.new

    def lines(self) -> list[str]:
        out = []
        if self.new:
            more = f", … {len(self.new) - 3} more" if len(self.new) > 3 else ""
            out.append(f"  {'users':12} {len(self.new)} new ({', '.join(u.username for u in self.new[:3])}{more}): "
                       "each gets a temporary password to change at first sign-in")
            out += [f"  {'':12} {u.username}: {u.note}" for u in self.new if u.note]
        for username, diffs in self.differs:
            out.append(f"  {'users':12} {username} exists and differs: {'; '.join(diffs)} — not changed by an "
                       f"import (`cityops users set-role {username} ROLE [--department CODE]` changes it)")
        for username, why in self.skipped:
            out.append(f"  {'users':12} {username} not imported: {why}")
        return out


def _read(row: UserRow) -> tuple[NewUser | None, str | None]:
    role = (row.role or "").strip()
    note = []
    if role in NOT_USERS:
        return None, NOT_USERS[role]
    if role in ROLE_ALIASES:
        note.append(f"{role} → {ROLE_ALIASES[role]}")
        role = ROLE_ALIASES[role]
    if role not in ASSIGNABLE_ROLES:
        return None, f"role {role!r} is not one of {', '.join(ASSIGNABLE_ROLES)}"
    department = (row.department or "").strip() or None
    if role != workflow.OPERATOR and department:
        note.append(f"department {department} ignored: only department operators belong to one")
        department = None
    if role == workflow.OPERATOR and not department:
        return None, "an operator needs a department"
    return NewUser(row.username.strip(), role, department, (row.display_name or "").strip() or None, "; ".join(note)), None


def plan(store: Store, rows: list[UserRow]) -> UsersPlan:
    """What importing these users would do; changes nothing."""
    out = UsersPlan()
    with store.connect() as conn:
        existing = {u["username"]: u for u in auth_store.list_users(conn)}
    for row in rows:
        user, why = _read(row)
        if user is None:
            out.skipped.append((row.username, why or ""))
            continue
        have = existing.get(user.username)
        if have is None:
            out.new.append(user)
            continue
        diffs = [f"{name} {have[name] or '–'} → {value or '–'}"
                 for name, value in (("role", user.role), ("department", user.department),
                                     ("display_name", user.display_name))
                 if (have[name] or None) != (value or None)]
        if have["disabled"]:
            diffs.append("disabled in the store")
        (out.differs.append((user.username, diffs)) if diffs else out.same.append(user.username))
    return out


def commit(store: Store, users_plan: UsersPlan, data_dir: str | Path, actor: str,
           now: datetime | None = None) -> tuple[Path | None, dict[str, str]]:
    """Add the new users in one transaction (audited), each with a temporary password that must be
    changed at first sign-in. Returns the file the passwords were written to (only the owner may read
    it) and the passwords; (None, {}) when there is nobody new."""
    if users_plan.empty:
        return None, {}
    now = now or utcnow()
    logins = {u.username: passwords.random_password() for u in users_plan.new}
    hashes = {name: passwords.hash_password(pw) for name, pw in logins.items()}   # outside the write lock
    with store.begin() as conn:
        for u in users_plan.new:
            if auth_store.get_user(conn, u.username):   # added meanwhile: never changed by an import
                logins.pop(u.username)
                continue
            auth_store.add_user(conn, u.username, u.role, u.department, hashes[u.username], now, u.display_name)
            password_due.mark(conn, u.username, now, REASON)
            audit.append(conn, at=now, actor=actor, actor_role=workflow.ADMIN, action="user_add", target_type="user",
                         target_id=u.username, reason=REASON,
                         after={"role": u.role, "department": u.department, "display_name": u.display_name,
                                "must_change_password": True})
    if not logins:
        return None, {}
    return write_logins(Path(data_dir), logins, now), logins


def write_logins(data_dir: Path, logins: dict[str, str], now: datetime) -> Path:
    """The temporary passwords, once, in a file only its owner can read (never over an older one)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    path = data_dir / f"city-users-{stamp}.txt"
    n = 1
    while path.exists():
        n += 1
        path = data_dir / f"city-users-{stamp}-{n}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# CityOps: temporary passwords of the users a city package brought in.\n"
                 "# Each must be changed at first sign-in. Hand each to its user, then delete this file.\n")
        for username, password in logins.items():
            fh.write(f"{username}\t{password}\n")
    os.chmod(path, 0o600)
    return path


def whoami() -> str:
    """Who runs the import, for the audit ("cli:<login>")."""
    import getpass
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:   # noqa: BLE001 - no login name (a container): still audited
        return "cli"
