"""Dispatch page: the queue. The server loads the queue for the filters (and, on first load, where
the live stream starts), and answers the live stream with row transactions: when the relay says
incidents changed, the same scoped query runs again and only the difference goes to the grid, so
the person keeps scroll, selection, sort and filters. The relay's payload is never shown: it only
says *that* something changed. Client-side parts are in assets/dispatch-live.js."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, ctx, no_update

from dashboard.bus import BusUnavailable
from dashboard.i18n import t
from dashboard.services import incident_queries
from dashboard.services.incident_actions import ActionError
from dashboard.reasons import localize_reason
from dashboard.web.context import identity, services
from layouts.dispatch_rows import city_names, grid_row, row_index, transaction
from layouts.ids import dispatch as ids
from layouts.ids import header as hdr
from layouts.shell import live_inbox_id

from .live import live_config

FILTER_INPUTS = [Input(i, "value") for i in ids.FILTERS]


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="dispatch", function_name=name)


def query_args(status, category, district, department, priority, source, overdue, text) -> dict:
    """The filter controls' values → the query-string shape incident_queries.parse_filters reads."""
    def listed(values):
        return [str(v) for v in values] if values else None
    return {"status": listed(status), "category": listed(category), "district": listed(district),
            "department": listed(department), "priority": listed(priority), "source": listed(source),
            "overdue": "1" if overdue and "overdue" in overdue else "",
            "supervised": "1" if overdue and "supervised" in overdue else "",   # 督办: the same checklist
            "q": (text or "").strip(),
            "limit": incident_queries.MAX_PAGE, "order": "urgent"}   # most urgent, then longest waiting, first


def total_text(shown: int, total: int, lang: str) -> str:
    key = "disp.total.capped" if total > shown else "disp.total.one" if total == 1 else "disp.total"   # "1 incident"
    return t(key, lang).format(shown=shown, total=total)


def _query(filter_values, lang: str):
    svc = services()
    filters = incident_queries.parse_filters(query_args(*filter_values))
    result = incident_queries.list_incidents(svc, identity(), filters, duplicates=True)   # the queue's marks
    names = city_names(svc.city, lang)
    rows = [grid_row(v, lang, names) for v in result["items"]]
    return rows, total_text(len(rows), result["total"], lang)


def load_queue(_reload, *args):
    """Filters changed (or first load / reset): the whole queue, and on (re)load the live position."""
    *filter_values, config = args
    lang = (config or {}).get("lang")
    svc = services()
    # first load (the page's components all arrive at once, the reload store among them) or a reset
    starting = ctx.triggered_id is None or f"{ids.RELOAD}.data" in ctx.triggered_prop_ids
    position = _bus_position(svc) if starting else None   # taken before the query: nothing after it is missed
    try:
        rows, total = _query(filter_values, lang)
    except ActionError as exc:
        return no_update, no_update, no_update, localize_reason(exc.message, lang), no_update
    live = live_config(svc.settings, position, "/dispatch") if starting and position is not False else no_update
    return rows, row_index(rows), total, "", live


def _bus_position(svc) -> str | None | bool:
    """Where the live stream starts; False when the bus cannot say (the queue still loads, not live)."""
    try:
        return svc.bus.last_id()
    except BusUnavailable:
        return False


def refresh_rows(changed, held, *args):
    """Incidents changed somewhere: the same query again, and only the difference to the grid. The page
    applies it (applyRows) only to the filters it was made for and only where it still fits the grid: a
    whole reload may have replaced the rows meanwhile."""
    *filter_values, config = args
    if not changed:
        return no_update, no_update
    try:
        rows, total = _query(filter_values, (config or {}).get("lang"))
    except ActionError:
        return no_update, no_update
    tx, _ = transaction(held, rows)
    return ({"tx": tx, "filters": filter_values} if tx else no_update), total


def register(app) -> None:
    app.callback(
        Output(ids.GRID, "rowData"), Output(ids.ROWS, "data"), Output(ids.TOTAL, "children"),
        Output(ids.QUEUE_ERROR, "children"), Output(hdr.LIVE_CFG, "data", allow_duplicate=True),
        Input(ids.RELOAD, "data"), *FILTER_INPUTS, State(ids.CONFIG, "data"),
        prevent_initial_call="initial_duplicate",
    )(load_queue)
    app.callback(
        Output(ids.TX, "data"), Output(ids.TOTAL, "children", allow_duplicate=True),
        Input(ids.CHANGED, "data"), State(ids.ROWS, "data"), *[State(i, "value") for i in ids.FILTERS],
        State(ids.CONFIG, "data"), prevent_initial_call=True,
    )(refresh_rows)
    app.clientside_callback(_js("applyRows"), Output(ids.ROWS, "data", allow_duplicate=True),
                            Input(ids.TX, "data"), *[State(i, "value") for i in ids.FILTERS],
                            prevent_initial_call=True)

    # The live stream, from this page's inbox (the header routes the socket's messages to the page shown)
    app.clientside_callback(
        _js("onBatch"), Output(ids.CHANGED, "data", allow_duplicate=True),
        Output(hdr.LIVE, "data", allow_duplicate=True), Output(ids.RELOAD, "data"),
        Output(ids.STALE, "className", allow_duplicate=True), Output(ids.STALE_TEXT, "children"),
        Input(live_inbox_id(ids.PREFIX), "data"), State(ids.CONFIG, "data"), State(ids.VIEWING, "data"),
        State(ids.RELOAD, "data"), prevent_initial_call=True,
    )
    # saved views and filters
    app.clientside_callback(_js("viewOptions"), Output(ids.VIEW_PICK, "options"), Output(ids.VIEW_DELETE, "className"),
                            Input(ids.VIEWS, "data"), Input(ids.VIEW_PICK, "value"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("applyView"), *[Output(i, "value", allow_duplicate=True) for i in ids.FILTERS],
                            Input(ids.VIEW_PICK, "value"), State(ids.VIEWS, "data"), State(ids.CONFIG, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(_js("saveView"), Output(ids.VIEWS, "data"), Output(ids.VIEW_NAME, "value"),
                            Output(ids.VIEW_PICK, "value"),
                            Input(ids.VIEW_SAVE, "n_clicks"), Input(ids.VIEW_DELETE, "n_clicks"),
                            State(ids.VIEW_NAME, "value"), State(ids.VIEW_PICK, "value"), State(ids.VIEWS, "data"),
                            State(ids.CONFIG, "data"), *[State(i, "value") for i in ids.FILTERS],
                            prevent_initial_call=True)
    # the view in force is remembered (a cookie the page reads on the next load: navigation and reload)
    app.clientside_callback(_js("rememberView"), Output(ids.REMEMBER, "data"),
                            Input(ids.VIEW_PICK, "value"), *[Input(i, "value") for i in ids.FILTERS],
                            State(ids.CONFIG, "data"), prevent_initial_call=True)
    app.clientside_callback(_js("clearFilters"), *[Output(i, "value", allow_duplicate=True) for i in ids.FILTERS],
                            Output(ids.VIEW_PICK, "value", allow_duplicate=True),
                            Input(ids.F_CLEAR, "n_clicks"), prevent_initial_call=True)
