"""The Dispatch page ("/dispatch"): the queue on the left, the incident in hand on the right, a key
help line at the bottom. Data arrives through callbacks/dispatch*.py; keys and grid cells are
assets/dispatch-keys.js and assets/dispatch-grid.js."""
from __future__ import annotations

from dash import dcc, html

from dashboard.domain import workflow
from dashboard.domain.city import City
from dashboard.i18n import client_catalog, t

from .dispatch_actions import keys_for_role
from .dispatch_detail import frame
from .dispatch_queue import queue
from .ids import dispatch as ids
from .shell import live_inbox

CLIENT_KEYS = ("disp.left.", "disp.view.", "disp.bulk.selected", "disp.stale")


def builtin_views(role: str) -> list[dict]:
    """Views every user starts with; {name: translation key, filters}."""
    if role == workflow.OPERATOR:
        return [{"key": "disp.view.to_accept", "filters": {"status": ["dispatched"]}},
                {"key": "disp.view.in_progress", "filters": {"status": ["accepted"]}},
                {"key": "disp.view.overdue", "filters": {"overdue": ["overdue"]}}]
    return [{"key": "disp.view.open", "filters": {"status": sorted(workflow.OPEN_STATUSES)}},
            {"key": "disp.view.new", "filters": {"status": ["reported"]}},
            {"key": "disp.view.to_dispatch", "filters": {"status": ["verified", "returned"]}},
            {"key": "disp.view.overdue", "filters": {"overdue": ["overdue"]}},
            {"key": "disp.view.to_close", "filters": {"status": ["fixed"]}},
            {"key": "disp.view.returned", "filters": {"status": ["returned"]}}]


def key_help(role: str, lang: str) -> html.Div:
    pairs = [("↑ ↓ / j k", t("disp.key.move", lang))]
    pairs += [(key, t(f"disp.action.{action}", lang)) for key, action in keys_for_role(role)]
    if role != workflow.OPERATOR:
        pairs.append(("x", t("disp.key.select", lang)))
    pairs += [("/", t("disp.key.search", lang)), ("Esc", t("disp.key.esc", lang))]
    return html.Div(id=ids.HELP, className="disp-help", children=[
        html.Span(t("disp.keys", lang), className="disp-help-title"),
        *[html.Span([html.Kbd(k, className="disp-kbd"), label], className="disp-help-item") for k, label in pairs],
    ])


def page(lang: str, city: City, districts: dict, bounds: list, timezone: str, tile_url: str,
         username: str, role: str, department: str | None) -> html.Div:
    operator_department = (department or "__none__") if role == workflow.OPERATOR else None
    labels = client_catalog(lang, CLIENT_KEYS)
    scope = None
    if operator_department:
        name = next((d.name(lang) for d in city.departments if d.code == department), department or "")
        scope = html.Div(t("disp.scope", lang).format(department=name), className="disp-scope")
    return html.Div(id=ids.PAGE, className="disp-page" + (" is-operator" if operator_department else ""), children=[
        html.Div(className="disp-main", children=[
            html.Div([scope, queue(lang, city, operator_department, {"lang": lang, "tz": timezone, "labels": labels})],
                     className="disp-left"),
            frame(lang, districts, bounds, tile_url),
        ]),
        key_help(role, lang),
        dcc.Store(id=ids.RELOAD, data=0),
        live_inbox(ids.PREFIX),
        dcc.Store(id=ids.ROWS, data={}),
        dcc.Store(id=ids.CHANGED),
        dcc.Store(id=ids.CURRENT),
        dcc.Store(id=ids.VIEWING),
        dcc.Store(id=ids.REFRESH, data=0),
        dcc.Store(id=ids.VIEWS, storage_type="local"),
        dcc.Store(id=ids.CONFIG, data={"lang": lang, "tz": timezone, "user": username, "role": role,
                                       "labels": labels, "builtin": builtin_views(role)}),
    ])
