"""Deny by default, on the server: who is asking (session, bearer token or wall kiosk token), whether
that role may open this page, call this API route or run this callback, CSRF on every state-changing
request, idle timeout. The matrix itself is dashboard.domain.permissions."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

import flask
from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface

from dashboard.domain import permissions
from dashboard.domain.identity import Identity

KIOSK_COOKIE = "cityops_kiosk"
CSRF_COOKIE = "_csrf_token"          # dash-renderer sends this cookie back as the X-CSRFToken header
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico", "/fonts/")
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


SESSION_ID = "sid"      # the only thing of a signed-in session in its cookie: the server keeps the rest


class _SessionInterface(SecureCookieSessionInterface):
    """Cookies are Secure when the setting says so or the request came over HTTPS."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return cookie_secure(app)


def cookie_secure(app: flask.Flask | None = None) -> bool:
    app = app or flask.current_app
    return bool(app.config["SESSION_COOKIE_SECURE"] or (flask.has_request_context() and request.is_secure))


def install(server: flask.Flask, services) -> None:
    from . import headers, input_limits, proxies
    settings = services.settings
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME="cityops_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours))
    server.session_interface = _SessionInterface()
    server.wsgi_app = proxies.TrustedProxies(server.wsgi_app, proxies.networks(settings.trusted_proxies))
    input_limits.install(server, settings.max_request_bytes)
    headers.install(server, settings)
    server.before_request(_identify)
    server.before_request(_enforce)
    server.after_request(_csrf_cookie)
    server.after_request(_page_status)


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
    sid = session.get(SESSION_ID)
    if not sid:
        if session.get("user"):
            session.clear()     # a cookie of the old kind (the whole session in it): no longer honoured
        return
    check = auth_service().session_identity(sid)
    if check.identity is None:
        session.pop(SESSION_ID, None)
        g.session_expired = check.expired
        return
    g.identity = check.identity
    g.session_csrf = check.csrf


def csrf_token() -> str:
    """The signed-in session's own token (kept on the server, new at every sign-in), or before sign-in
    the token of the sign-in form."""
    if g.get("session_csrf"):
        return g.session_csrf
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = g.get("session_csrf") or session.get("csrf")
    given = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    return bool(expected and given and secrets.compare_digest(str(expected), str(given)))


def _refused(message: str) -> None:
    from dashboard.services.refusals import record
    from .context import services
    record(services(), g.get("identity"), f"{request.method} {request.path}"[:100], message, request.remote_addr)


def _deny(status: int, message: str):
    if status == 403 or "CSRF" in message:
        _refused(message)
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
        body = request.get_json(silent=True) or {}
        page = _callback_page(body)
        if _is_router(body) and page is not False and _forbidden_page(identity.role, page):
            _route_to(body, FORBIDDEN_PAGE)   # the router (checked by position): render the 403 page
            return None
        if page is False or (page is not None and permissions.is_page(page)
                             and not permissions.may_open_page(identity.role, page)):
            return _deny(403, f"a {identity.role} may not use this")
        return None
    if path.startswith("/_dash"):
        return None
    if not permissions.is_page(path):
        g.page_status = 404    # the app's frame with the page-not-found page, in the person's language
        return None
    if not permissions.may_open_page(identity.role, path):
        g.page_status = 403    # the app's frame with the not-allowed page (its router is sent to /403)
        return None
    return None


FORBIDDEN_PAGE = "/403"


def _forbidden_page(role: str, page) -> bool:
    return isinstance(page, str) and permissions.is_page(page) and not permissions.may_open_page(role, page)


def _route_to(body: dict | None, path: str) -> None:
    """Point the pages router's pathname input at `path` (the parsed body is what Dash reads next)."""
    inputs = (body or {}).get("inputs") or []
    if inputs and isinstance(inputs[0], dict):   # by position, as Dash hands it to the router (checked: _router_path)
        g.routed_from = inputs[0].get("value")    # the error page names what was asked for
        inputs[0]["value"] = path


def _page_status(response: flask.Response) -> flask.Response:
    status = g.get("page_status")
    if status and response.status_code == 200:
        response.status_code = status
    return response


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


# The router's inputs as Dash Pages registers them, in order: Dash hands them to the router by position,
# so the request must carry exactly these, and the pathname checked is the one the router will read.
ROUTER_INPUTS = (("_pages_location", "pathname"), ("_pages_location", "search"))


def _router_path(body: dict) -> str | bool:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != len(ROUTER_INPUTS) or body.get("state"):
        return False
    for item, (component, prop) in zip(inputs, ROUTER_INPUTS):
        if not isinstance(item, dict) or item.get("id") != component or item.get("property") != prop:
            return False
    pathname = inputs[0].get("value")
    if pathname is not None and not isinstance(pathname, str):
        return False
    return pathname or "/"


def _is_router(body: dict) -> bool:
    """Only the pages router may be answered with the 403 page; any other callback of a page the
    person may not open is refused outright."""
    output = body.get("output", "") if isinstance(body, dict) else ""
    return {part.split(".")[0] for part in str(output).strip(".").split("...")} <= PAGES_ROUTER_OUTPUTS


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
        response.set_cookie(CSRF_COOKIE, csrf_token(), samesite="Strict", httponly=False, secure=cookie_secure())
    kiosk = g.get("kiosk_secret")
    if kiosk and request.args.get("kiosk"):
        response.set_cookie(KIOSK_COOKIE, kiosk, samesite="Strict", httponly=True, secure=cookie_secure(),
                            max_age=3600 * 24 * 365)
    return response
