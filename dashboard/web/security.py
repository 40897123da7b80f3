"""Deny by default, on the server: who is asking (session, bearer token or wall kiosk token), whether
that role may open this page, call this API route or run this callback, CSRF on every state-changing
request, idle timeout. The matrix itself is dashboard.domain.permissions."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask
from flask import g, request, session

from dashboard.domain import permissions
from dashboard.domain.identity import Identity

KIOSK_COOKIE = "cityops_kiosk"
CSRF_COOKIE = "_csrf_token"          # dash-renderer sends this cookie back as the X-CSRFToken header
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
DASH_INTERNAL = ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/_alive")


def secret_key(settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def install(server: flask.Flask, services) -> None:
    settings = services.settings
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME="cityops_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_idle_minutes))
    server.before_request(_identify)
    server.before_request(_enforce)
    server.after_request(_csrf_cookie)


def auth_service():
    from dashboard.services.auth import AuthService
    from .context import services
    return AuthService(services())


def _identify() -> None:
    g.identity = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        g.identity = auth_service().authenticate_token(header[7:].strip(), kind="api")
        g.via_token = True
        return
    g.via_token = False
    kiosk = request.args.get("kiosk") or request.cookies.get(KIOSK_COOKIE)
    if kiosk:
        identity = auth_service().authenticate_token(kiosk, kind="kiosk")
        if identity:
            g.identity = identity
            g.kiosk_secret = kiosk
            return
    username = session.get("user")
    if not username:
        return
    now = datetime.now(timezone.utc).timestamp()
    idle = flask.current_app.permanent_session_lifetime.total_seconds()
    if now - session.get("seen", 0) > idle:
        session.clear()
        g.session_expired = True
        return
    identity = auth_service().current(username)   # disabled users and role changes apply at once
    if identity is None:
        session.clear()
        return
    session["seen"] = now
    session.permanent = True
    g.identity = identity


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    return bool(expected and given and secrets.compare_digest(expected, given))


def _deny(status: int, message: str):
    if request.path.startswith("/api/") or request.path.startswith("/_dash") or request.is_json:
        return flask.jsonify({"error": {"status": status, "message": message}}), status
    return flask.Response(message, status=status, mimetype="text/plain")


def _enforce():
    path = request.path
    if path.startswith(permissions.PUBLIC_PREFIXES) or path == "/open311":
        return None   # Open311: public reads, API-key posts (dashboard.web.open311_server)
    if path.startswith(STATIC_PREFIXES) or path in permissions.PUBLIC_PATHS:
        if request.method == "POST" and path in ("/login", "/logout") and not _csrf_ok():
            return _deny(400, "the form expired; reload the page and try again (CSRF check failed)")
        return None
    identity: Identity | None = g.identity
    if path.startswith("/api/") and identity is None:
        return _deny(401, "sign in or send 'Authorization: Bearer <token>'")
    if path.startswith("/api/") and has_nul():
        return _deny(422, "text may not contain NUL characters")
    state_changing = request.method not in ("GET", "HEAD", "OPTIONS")
    if state_changing and not g.via_token and not getattr(g, "kiosk_secret", None) and not _csrf_ok():
        return _deny(403, "CSRF check failed: reload the page and try again")
    if path.startswith("/api/"):
        return None   # the API checks each route against the matrix (dashboard.web.api)
    if identity is None:
        if path.startswith("/_dash"):
            return _deny(401, "your session has ended: sign in again")
        return flask.redirect(flask.url_for("cityops_auth.login", next=request.full_path.rstrip("?")))
    if path.startswith(DASH_INTERNAL):
        return None
    if path == "/_dash-update-component":
        page = _callback_page(request.get_json(silent=True) or {})
        if page is False or (page is not None and not permissions.may_open_page(identity.role, page)):
            return _deny(403, f"a {identity.role} may not use this")
        return None
    if path.startswith("/_dash"):
        return None
    if not permissions.may_open_page(identity.role, path):
        return _deny(403, f"a {identity.role} may not open {path}")
    return None


def has_nul() -> bool:
    """A NUL character anywhere in the query or a JSON body (PostgreSQL cannot store or compare it)."""
    def walk(value) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(walk(k) or walk(v) for k, v in value.items())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False
    if any(walk(k) or walk(v) for k, v in request.args.items(multi=True)):
        return True
    if any(walk(k) or walk(v) for k, v in request.form.items(multi=True)):
        return True
    return request.is_json and walk(request.get_json(silent=True))


# Dash Pages' router renders the page at its pathname input: checked as opening that page.
PAGES_ROUTER_OUTPUTS = frozenset({"_pages_content", "_pages_store"})


def _router_path(body: dict) -> str | bool:
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            return str(item.get("value") or "/")
    return False


def _callback_page(body: dict) -> str | None | bool:
    """The page a callback belongs to, from the prefix of its output ids; False when unknown."""
    output = body.get("output", "")
    if {part.split(".")[0] for part in str(output).strip(".").split("...")} <= PAGES_ROUTER_OUTPUTS:
        return _router_path(body)
    ids = []
    for part in str(output).strip(".").split("..."):
        component = part.split(".")[0]
        if component.startswith("{"):
            try:
                component = json.loads(component).get("type", "")
            except ValueError:
                return False
        ids.append(component)
    pages = set()
    for component in ids:
        prefix = component.split("-", 1)[0]
        if prefix not in permissions.CALLBACK_PREFIXES:
            return False
        pages.add(permissions.CALLBACK_PREFIXES[prefix])
    pages.discard(None)
    if len(pages) > 1:
        return False
    return pages.pop() if pages else None


def _csrf_cookie(response: flask.Response) -> flask.Response:
    if g.get("identity") is not None and not g.get("via_token"):
        response.set_cookie(CSRF_COOKIE, csrf_token(), samesite="Strict", httponly=False,
                            secure=flask.current_app.config["SESSION_COOKIE_SECURE"])
    kiosk = g.get("kiosk_secret")
    if kiosk and request.args.get("kiosk"):
        response.set_cookie(KIOSK_COOKIE, kiosk, samesite="Strict", httponly=True,
                            secure=flask.current_app.config["SESSION_COOKIE_SECURE"], max_age=3600 * 24 * 365)
    return response
