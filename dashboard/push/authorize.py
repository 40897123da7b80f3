"""Who may listen to the push relay: the same people who may open the pages, checked from the same
session cookie (or wall kiosk cookie) the browser sends with the WebSocket handshake.
Department operators only hear about their own department's incidents."""
from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any, Callable
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface

from dashboard.domain import workflow
from dashboard.services.auth import AuthService
from dashboard.web import security

log = logging.getLogger(__name__)



def _department_of(topic: str, data: dict[str, Any]) -> str | None:
    if topic == "incident.upsert":
        return (data.get("properties") or {}).get("department")
    return data.get("department")


def _hostname(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]")[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def origin_allowed(request, allowed: set[str]) -> bool:
    """A browser always names the page that opens a WebSocket: it must be a page of this host (any
    port: the relay listens beside the web server) or one the `push_allowed_origins` setting names.
    A client that sends no Origin is no browser page (and no cookie of a victim's rides along)."""
    origin = (request.headers.get("Origin") or "").strip()
    if not origin:
        return True
    if origin.lower().rstrip("/") in allowed:
        return True
    parts = urlsplit(origin)
    host = request.headers.get("Host") or ""
    return parts.scheme in ("http", "https") and bool(parts.hostname) and \
        _hostname(parts.netloc) == _hostname(host)


def make_authorizer(services) -> Callable:
    app = flask.Flask("cityops-push")
    app.secret_key = security.secret_key(services.settings)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    lifetime = int(services.settings.session_max_hours * 3600) + 60
    allowed = {o.strip().lower().rstrip("/") for o in services.settings.push_allowed_origins.split(",") if o.strip()}
    auth = AuthService(services)

    def authorize(request) -> bool | Callable[[str, dict], bool]:
        """Asked when a socket opens and again every heartbeat while it is open (dashboard.push.relay):
        a revoked kiosk link, an ended session, a disabled user or a changed role closes it."""
        if not origin_allowed(request, allowed):
            return False
        cookies = SimpleCookie(request.headers.get("Cookie", ""))
        kiosk = cookies.get(security.KIOSK_COOKIE)
        if kiosk and auth.authenticate_token(kiosk.value, kind="kiosk"):
            return True
        raw = cookies.get("cityops_session")
        if raw is None:
            return False
        try:
            session = serializer.loads(raw.value, max_age=lifetime)
        except Exception:   # tampered, expired or from another key: refuse
            return False
        identity = auth.session_identity(session.get(security.SESSION_ID), touch=False).identity
        if identity is None:
            return False
        if identity.role != workflow.OPERATOR:
            return True
        department = identity.department

        def only_own_department(topic: str, data: dict[str, Any]) -> bool:
            if topic.startswith("incident."):
                return _department_of(topic, data) == department
            if topic == "event.new" and data.get("kind") == "incident":
                return False   # the newest-events list of other departments is not theirs
            return True
        return only_own_department

    return authorize
