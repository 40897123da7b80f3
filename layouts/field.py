"""The frame of the phone pages (/field): inspectors report and check fixes, crews work their tasks.
Everything inside is drawn by assets/field.js from the field API, so the page keeps working (and
queues what is done) while the phone is offline."""
from __future__ import annotations

import json

from dash import html

from dashboard.i18n import client_catalog, t

from .ids import field as ids

CLIENT_PREFIXES = ("fld.", "ev.flag.", "role.", "disp.action.")   # actions: a conflict's changes


def page(lang: str, role: str, username: str, timezone: str) -> html.Div:
    labels = client_catalog(lang, CLIENT_PREFIXES)
    return html.Div(id=ids.ROOT, className="field-page", lang=lang, **{
        "data-lang": lang, "data-role": role, "data-user": username, "data-tz": timezone,
        "data-labels": json.dumps(labels, ensure_ascii=False)}, children=[
        html.Div(id=ids.STATUS, className="field-status", role="status", **{"aria-live": "polite"},
                 children=t("fld.online", lang)),
        html.Nav(id=ids.TABS, className="field-tabs", **{"aria-label": t("fld.title", lang)}),
        html.Main(id=ids.MAIN, className="field-main"),
    ])


def not_for_role(lang: str) -> html.Div:
    return html.Div(className="field-page", children=html.P(t("fld.empty.tasks", lang)))
