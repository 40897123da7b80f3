"""The password page of a first sign-in: a user the city package brought in signs in with a temporary
password and gets this page — not a session — until they set their own (dashboard.services.first_sign_in).
A plain server-rendered form, like the sign-in page, in the person's language."""
from __future__ import annotations

import secrets
from html import escape

import flask
from flask import g, request, session

from dashboard.domain.identity import Identity
from dashboard.i18n import t
from dashboard.services import first_sign_in
from dashboard.services.passwords import MIN_LENGTH

from . import security
from .context import services

PATH = "/password/first"
blueprint = flask.Blueprint("cityops_first_password", __name__)


def _lang() -> str:
    lang = request.values.get("lang") or session.get("lang") or services().settings.lang
    return lang if lang in ("zh-CN", "en") else "zh-CN"


def page(lang: str, ticket: str, username: str, next_path: str = "/", error: str | None = None,
         status: int = 200) -> flask.Response:
    city = services().city
    html = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(t('pw.title', lang))} · CityOps</title><link rel="stylesheet" href="/assets/login.css"></head>
<body class="login-body"><main class="login-card">
<h1>{escape(city.name(lang))} · {escape(t('pw.title', lang))}</h1>
<p class="login-sub" id="pw-intro">{escape(t('pw.intro', lang))}</p>
<p class="login-sub">{escape(t('pw.user', lang).format(username=username))}</p>
{f'<p class="login-error" id="pw-error" role="alert">{escape(error)}</p>' if error else ''}
<form method="post" action="{PATH}" id="pw-form">
<input type="hidden" name="csrf_token" value="{security.csrf_token()}">
<input type="hidden" name="ticket" value="{escape(ticket)}"><input type="hidden" name="lang" value="{lang}">
<input type="hidden" name="next" value="{escape(next_path)}">
<input type="text" name="username" value="{escape(username)}" autocomplete="username" hidden>
<label for="pw-new">{escape(t('pw.new', lang))}</label>
<input id="pw-new" name="password" type="password" autocomplete="new-password" minlength="{MIN_LENGTH}" required autofocus>
<label for="pw-repeat">{escape(t('pw.repeat', lang))}</label>
<input id="pw-repeat" name="repeat" type="password" autocomplete="new-password" minlength="{MIN_LENGTH}" required>
<p class="login-sub">{escape(t('pw.hint', lang).format(n=MIN_LENGTH))}</p>
<button type="submit" id="pw-submit">{escape(t('pw.submit', lang))}</button>
</form></main></body></html>"""
    response = flask.Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def instead_of_session(identity: Identity, lang: str, next_path: str) -> flask.Response | None:
    """Called by the sign-in once the name and password are good: the password page when this user
    must set their own password first (no session is opened), else None."""
    svc = services()
    if not first_sign_in.must_change(svc, identity.username):
        return None
    ticket = first_sign_in.issue_ticket(svc, identity)
    return page(lang, ticket, identity.username, next_path)


def _csrf_ok() -> bool:
    given = request.form.get("csrf_token") or ""
    return bool(given) and secrets.compare_digest(str(security.csrf_token()), str(given))


@blueprint.route(PATH, methods=["GET", "POST"])
def set_password():
    lang = _lang()
    if request.method == "GET" or not _csrf_ok():
        return flask.redirect(f"/login?lang={lang}")
    svc = services()
    ticket = request.form.get("ticket") or ""
    next_path = request.form.get("next") or "/"
    try:
        identity = first_sign_in.set_own_password(svc, ticket, request.form.get("password") or "",
                                                  request.form.get("repeat") or "", request.remote_addr)
    except first_sign_in.PasswordRefused as refused:
        if refused.key == "expired":
            return flask.redirect(f"/login?lang={lang}")
        username = first_sign_in.ticket_user(svc, ticket) or ""
        return page(lang, ticket, username, next_path, t(f"pw.error.{refused.key}", lang).format(n=MIN_LENGTH), 422)
    from .auth_views import HOME_BY_ROLE, _safe_next
    sid, csrf = security.auth_service().open_session(identity, request.remote_addr)
    session.clear()             # as at sign-in: a new server-side session, its own CSRF token
    session.update({security.SESSION_ID: sid, "lang": lang})
    session.permanent = True
    g.session_csrf = csrf
    target = _safe_next(next_path)
    return flask.redirect(HOME_BY_ROLE.get(identity.role, "/") if target == "/" else target)
