"""Users, sign-in throttling, tokens and the audit log, on SQLite and PostgreSQL."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.domain.identity import Identity
from dashboard.services import auth as auth_module
from dashboard.services.auth import AuthError, AuthService, SignInRefused
from dashboard.store import audit, schema as t

ADMIN = Identity("root-admin", "admin", via="cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def auth(services):
    service = AuthService(services)
    service.add_user(ADMIN, "wang", "dispatcher", None, PASSWORD, "王敏")
    service.add_user(ADMIN, "op1", "operator", "CG", PASSWORD)
    return service


def actions(services):
    with services.store.connect() as conn:
        return [e["action"] for e in reversed(audit.query(conn))]


def test_passwords_are_stored_only_as_salted_hashes(auth, services):
    with services.store.connect() as conn:
        hashes = [r.password_hash for r in conn.execute(sa.select(t.users))]
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
    assert hashes[0] != hashes[1]   # same password, different salt


def test_users_are_validated(auth):
    with pytest.raises(AuthError, match="needs --department"):
        auth.add_user(ADMIN, "op2", "operator", None, PASSWORD)
    with pytest.raises(AuthError, match="at least 10"):
        auth.add_user(ADMIN, "x", "leader", None, "short")
    with pytest.raises(AuthError, match="exists already"):
        auth.add_user(ADMIN, "wang", "leader", None, PASSWORD)
    with pytest.raises(AuthError, match="role must be"):
        auth.add_user(ADMIN, "y", "wall", None, PASSWORD)


def test_sign_in_and_disabled_users(auth):
    me = auth.sign_in("wang", PASSWORD, "10.0.0.1")
    assert (me.role, me.department) == ("dispatcher", None)
    assert auth.sign_in("op1", PASSWORD, "10.0.0.1").department == "CG"
    auth.set_disabled(ADMIN, "wang", True)
    with pytest.raises(SignInRefused, match="wrong user name or password"):
        auth.sign_in("wang", PASSWORD, "10.0.0.1")
    assert auth.current("wang") is None


def test_repeated_failures_slow_sign_in_down_and_are_audited(auth, services, monkeypatch):
    for _ in range(auth_module.FREE_FAILURES):
        with pytest.raises(SignInRefused, match="wrong"):
            auth.sign_in("wang", "guess-guess-guess", "10.0.0.9")
    with pytest.raises(SignInRefused, match="too many") as refused:
        auth.sign_in("wang", PASSWORD, "10.0.0.9")   # even the right password waits
    assert refused.value.retry_after >= 1
    assert actions(services).count("sign_in_failed") == auth_module.FREE_FAILURES
    assert actions(services)[-1] == "sign_in_throttled"
    # once the lock has passed, the right password works and clears the count
    later = auth_module.utcnow() + timedelta(seconds=5)
    monkeypatch.setattr(auth_module, "utcnow", lambda: later)
    assert auth.sign_in("wang", PASSWORD, "10.0.0.9").username == "wang"


def test_lock_grows_and_is_capped():
    assert auth_module.lock_for(4) == timedelta(0)
    assert auth_module.lock_for(5) == timedelta(seconds=1)
    assert auth_module.lock_for(8) == timedelta(seconds=8)
    assert auth_module.lock_for(60) == timedelta(minutes=15)


def test_api_tokens_are_hashed_and_revocable(auth, services):
    secret = auth.create_token(ADMIN, "wang")
    with services.store.connect() as conn:
        assert secret not in str(list(conn.execute(sa.select(t.api_tokens))))
    assert auth.authenticate_token(secret).username == "wang"
    assert auth.authenticate_token(secret + "x") is None
    auth.revoke_token(ADMIN, "wang")
    assert auth.authenticate_token(secret) is None
    with pytest.raises(AuthError):
        auth.revoke_token(ADMIN, "wang")


def test_kiosk_tokens_open_the_wall_only_and_are_revocable(auth):
    secret = auth.create_token(ADMIN, "hall-east", kind="kiosk")
    kiosk = auth.authenticate_token(secret, kind="kiosk")
    assert kiosk.role == "wall" and kiosk.via == "kiosk"
    assert auth.authenticate_token(secret, kind="api") is None   # a kiosk link is not an API token
    auth.revoke_token(ADMIN, "hall-east", kind="kiosk")
    assert auth.authenticate_token(secret, kind="kiosk") is None


def test_the_audit_log_cannot_be_changed(auth, services):
    auth.sign_in("wang", PASSWORD, "10.0.0.1")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with services.store.begin() as conn:
            conn.execute(t.audit_log.update().values(actor="someone else"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with services.store.begin() as conn:
            conn.execute(t.audit_log.delete())
    assert "sign_in" in actions(services)


def test_demo_users_are_created_once_with_a_private_file(services, tmp_path):
    auth = AuthService(services)
    path, logins = auth.ensure_demo_users(str(tmp_path))
    assert "dispatcher" in logins and "admin" in logins
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert auth.sign_in("dispatcher", logins["dispatcher"], "127.0.0.1").role == "dispatcher"
    assert auth.ensure_demo_users(str(tmp_path)) == (path, None)
