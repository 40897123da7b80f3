"""The error pages inside the app's frame (404 not found, 403 not allowed): a heading, what happened in
the screen's language, and a way back to the person's start page."""
from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import role_name, t

HOME_BY_ROLE = {"dispatcher": "/dispatch", "operator": "/dispatch", "leader": "/review", "wall": "/wall"}


def error_page(status: int, lang: str, path: str, role: str | None) -> html.Div:
    shown = path if path and len(path) <= 80 else (path or "")[:79] + "…"
    if status == 403:
        title = t("page.forbidden", lang)
        text = t("page.forbidden.text", lang).format(role=role_name(role, lang) if role else "—", path=shown)
    else:
        title = t("page.not_found", lang)
        text = t("page.not_found.text", lang).format(path=shown)
    return html.Div(className="error-page", role="alert", **{"data-status": str(status)}, children=[
        html.P(str(status), className="error-status"),
        html.H1(title, className="error-title"),
        html.P(text, className="error-text"),
        dcc.Link(t("page.back_home", lang), href=HOME_BY_ROLE.get(role or "", "/"), className="error-back"),
    ])
