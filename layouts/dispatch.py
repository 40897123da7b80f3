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

CLIENT_KEYS = ("disp.left.", "disp.view.", "disp.bulk.selected", "disp.stale", "disp.notice.")
# What waits for a dispatcher: new reports to verify, verified or returned ones to dispatch, fixed ones to close.
DISPATCHER_WORK = ("reported", "verified", "returned", "fixed")
VIEW_COOKIE = "cityops-disp-view"    # the view chosen last, remembered across navigation and reload
FILTER_KEYS = ("status", "category", "district", "department", "priority", "source", "overdue", "text")


def remembered_view(raw: str | None, username: str, role: str) -> tuple[str | None, dict]:
    """The view to open with: the one this person chose last (the cookie the page writes, checked), else
    the work that needs them ("builtin:0"). → (picker value, filter values)."""
    import json
    builtin = builtin_views(role)
    default = ("builtin:0", dict(builtin[0]["filters"]))
    from urllib.parse import unquote
    try:
        data = json.loads(unquote(raw)) if raw else None
    except ValueError:
        return default
    if not isinstance(data, dict) or data.get("user") != username or not isinstance(data.get("filters"), dict):
        return default
    filters = {}
    for key, value in data["filters"].items():
        if key == "text" and isinstance(value, str):
            filters[key] = value[:100]
        elif key in FILTER_KEYS and isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
            filters[key] = value[:50]
    statuses = filters.get("status") or []
    if not set(statuses) <= set(workflow.STATUSES):
        return default
    view = data.get("view") if isinstance(data.get("view"), str) else None
    return view, filters


def builtin_views(role: str) -> list[dict]:
    """Views every user starts with; {name: translation key, filters}."""
    if role == workflow.OPERATOR:
        return [{"key": "disp.view.my_work", "filters": {"status": ["dispatched", "accepted"]}},
                {"key": "disp.view.to_accept", "filters": {"status": ["dispatched"]}},
                {"key": "disp.view.in_progress", "filters": {"status": ["accepted"]}},
                {"key": "disp.view.overdue", "filters": {"overdue": ["overdue"]}}]
    return [{"key": "disp.view.my_work", "filters": {"status": list(DISPATCHER_WORK)}},
            {"key": "disp.view.open", "filters": {"status": sorted(workflow.OPEN_STATUSES)}},
            {"key": "disp.view.new", "filters": {"status": ["reported"]}},
            {"key": "disp.view.to_dispatch", "filters": {"status": ["verified", "returned"]}},
            {"key": "disp.view.overdue", "filters": {"overdue": ["overdue"]}},
            {"key": "disp.view.supervised", "filters": {"overdue": ["supervised"]}},
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


def incident_arg(value) -> int | None:
    """/dispatch?incident=123 → 123 (anything else: none)."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def page(lang: str, city: City, districts: dict, bounds: list, timezone: str, tile_url: str,
         username: str, role: str, department: str | None, remembered: str | None = None,
         incident: int | None = None) -> html.Div:
    view, values = remembered_view(remembered, username, role)
    operator_department = (department or "__none__") if role == workflow.OPERATOR else None
    labels = client_catalog(lang, CLIENT_KEYS)
    scope = None
    if operator_department:
        name = next((d.name(lang) for d in city.departments if d.code == department), department or "")
        scope = html.Div(t("disp.scope", lang).format(department=name), className="disp-scope")
    return html.Div(id=ids.PAGE, className="disp-page" + (" is-operator" if operator_department else ""), children=[
        html.Div(className="disp-main", children=[
            html.Div([html.Div(id=ids.NOTICE, className="disp-notice", role="status", **{"aria-live": "polite"}),
                      scope, queue(lang, city, operator_department, {"lang": lang, "tz": timezone, "labels": labels},
                                   view, values)],
                     className="disp-left"),
            frame(lang, districts, bounds, tile_url),
        ]),
        key_help(role, lang),
        dcc.Store(id=ids.RELOAD, data=0),
        live_inbox(ids.PREFIX),
        dcc.Store(id=ids.ROWS, data={}),
        dcc.Store(id=ids.TX),
        dcc.Store(id=ids.CHANGED),
        dcc.Store(id=ids.CURRENT, data={"id": incident} if incident else None),   # ?incident=… opens it
        dcc.Store(id=ids.VIEWING),
        dcc.Store(id=ids.REFRESH, data=0),
        dcc.Store(id=ids.VIEWS, storage_type="local"),
        dcc.Store(id=ids.REMEMBER),
        dcc.Store(id=ids.CONFIG, data={"lang": lang, "tz": timezone, "user": username, "role": role,
                                       "department": department if operator_department else None,
                                       "labels": labels, "builtin": builtin_views(role)}),
    ])
