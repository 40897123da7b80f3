"""Who may listen to the push relay: the same people who may open the pages, checked from the same
session cookie (or wall kiosk cookie) the browser sends with the WebSocket handshake.
Department operators only hear about their own department's incidents."""
from __future__ import annotations

import logging
import time
from http.cookies import SimpleCookie
from typing import Any, Callable

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


def make_authorizer(services) -> Callable:
    app = flask.Flask("cityops-push")
    app.secret_key = security.secret_key(services.settings)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    idle = services.settings.session_idle_minutes * 60
    auth = AuthService(services)

    def authorize(request) -> bool | Callable[[str, dict], bool]:
        cookies = SimpleCookie(request.headers.get("Cookie", ""))
        kiosk = cookies.get(security.KIOSK_COOKIE)
        if kiosk and auth.authenticate_token(kiosk.value, kind="kiosk"):
            return True
        raw = cookies.get("cityops_session")
        if raw is None:
            return False
        try:
            session = serializer.loads(raw.value, max_age=int(idle) + 60)
        except Exception:   # tampered, expired or from another key: refuse
            return False
        if time.time() - session.get("seen", 0) > idle or not session.get("user"):
            return False
        identity = auth.current(session["user"])
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
