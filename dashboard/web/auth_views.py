"""Sign-in and sign-out pages: plain server-rendered forms (they must work before any Dash script loads)."""
from __future__ import annotations

from html import escape
from urllib.parse import urlparse

import flask
from flask import g, request, session

from dashboard.i18n import t
from dashboard.services.auth import MAX_USERNAME

from . import security
from .context import services

blueprint = flask.Blueprint("cityops_auth", __name__)


def _lang() -> str:
    """The sign-in page speaks the language of the screen that sent the person here (a revoked wall on
    /wall?lang=en lands on an English sign-in page), else the one asked for, else the city's."""
    lang = request.args.get("lang") or request.form.get("lang") or _lang_of_next() or services().settings.lang
    return lang if lang in ("zh-CN", "en") else "zh-CN"


def _lang_of_next() -> str | None:
    from urllib.parse import parse_qs
    nxt = request.values.get("next") or ""
    return (parse_qs(urlparse(nxt).query).get("lang") or [None])[0]


# Where a person lands after signing in (unless they were on their way elsewhere): the work that needs them.
HOME_BY_ROLE = {"dispatcher": "/dispatch", "operator": "/dispatch", "leader": "/review"}


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _page(lang: str, error: str | None = None, status: int = 200, username: str = ""):
    city = services().city
    other = "en" if lang == "zh-CN" else "zh-CN"
    # no destination asked for: empty, so the sign-in takes the person to their work (HOME_BY_ROLE)
    nxt = escape(_safe_next(request.values.get("next")) if request.values.get("next") else "")
    html = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t('login.title', lang))} · CityOps</title><link rel="stylesheet" href="/assets/login.css"></head>
<body class="login-body"><main class="login-card">
<h1>{escape(city.name(lang))} · {escape(t('app.title', lang))}</h1>
<p class="login-sub">{escape(t('login.subtitle', lang))}</p>
{f'<p class="login-error" id="login-error" role="alert">{escape(error)}</p>' if error else ''}
<form method="post" action="/login" id="login-form">
<input type="hidden" name="csrf_token" value="{security.csrf_token()}">
<input type="hidden" name="next" value="{nxt}"><input type="hidden" name="lang" value="{lang}">
<label for="login-username">{escape(t('login.username', lang))}</label>
<input id="login-username" name="username" autocomplete="username" required autofocus value="{escape(username)}">
<label for="login-password">{escape(t('login.password', lang))}</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-submit">{escape(t('login.submit', lang))}</button>
</form>
<p class="login-lang"><a href="/login?lang={other}&next={nxt}">{escape(t('lang.switch', lang))}</a></p>
</main></body></html>"""
    return flask.Response(html, status=status, mimetype="text/html")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    from dashboard.services.auth import SignInRefused
    lang = _lang()
    if request.method == "GET":
        expired = request.args.get("expired") or g.get("session_expired")
        return _page(lang, t("login.expired", lang) if expired else None)
    username = (request.form.get("username") or "").strip()
    try:
        identity = security.auth_service().sign_in(username, request.form.get("password") or "", request.remote_addr)
    except SignInRefused as refused:
        username = username[:MAX_USERNAME]   # what is echoed back is no longer than a user name can be
        message = t("login.throttled", lang).format(seconds=refused.retry_after) if refused.retry_after \
            else t("login.failed", lang)
        response = _page(lang, message, 429 if refused.retry_after else 401, username)
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    from .first_password import instead_of_session   # a temporary password: set one's own first (issue 14)
    first = instead_of_session(identity, lang, _safe_next(request.form.get("next")))
    if first is not None:
        return first
    security.auth_service().end_session(session.get(security.SESSION_ID), "signed in again")
    sid, csrf = security.auth_service().open_session(identity, request.remote_addr)
    session.clear()             # a new session on sign-in (no fixation), kept on the server, with its own CSRF token
    session.update({security.SESSION_ID: sid, "lang": lang})
    session.permanent = True
    g.session_csrf = csrf
    asked = request.form.get("next")
    return flask.redirect(_safe_next(asked) if asked else HOME_BY_ROLE.get(identity.role, "/"))


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    lang = session.get("lang") or _lang()
    if request.method == "POST":
        identity = g.get("identity")
        sid = session.get(security.SESSION_ID)
        if identity is not None:
            security.auth_service().sign_out(identity, request.remote_addr, sid=sid)
        else:
            security.auth_service().end_session(sid)
        session.clear()
        response = flask.redirect(f"/login?lang={lang}")
        response.delete_cookie(security.CSRF_COOKIE)
        response.delete_cookie(security.KIOSK_COOKIE)
        return response
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>CityOps</title>
<link rel="stylesheet" href="/assets/login.css"></head><body class="login-body"><main class="login-card">
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{security.csrf_token()}">
<button type="submit" id="logout-submit">{escape(t('logout.submit', lang))}</button></form></main></body></html>"""
    return flask.Response(html, mimetype="text/html")
