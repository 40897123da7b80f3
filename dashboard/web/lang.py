"""The language of a request: ?lang= (remembered in the session), else the session's, else the
configured default. One place decides, so the shell, the pages and the sign-in form agree."""
from __future__ import annotations

import flask
from flask import request, session

from dashboard.i18n import DEFAULT_LANG, LANGS

from .context import services


def current_lang(explicit: str | None = None) -> str:
    if explicit in LANGS:
        return explicit
    if flask.has_request_context():
        asked = request.args.get("lang")
        if asked in LANGS:
            return asked
        remembered = session.get("lang")
        if remembered in LANGS:
            return remembered
    if flask.has_app_context():
        configured = services().settings.lang
        if configured in LANGS:
            return configured
    return DEFAULT_LANG


def remember_lang() -> None:
    """before_request: a page opened with ?lang= keeps that language for the rest of the session."""
    asked = request.args.get("lang")
    if request.method == "GET" and asked in LANGS and session.get("lang") != asked:
        session["lang"] = asked
