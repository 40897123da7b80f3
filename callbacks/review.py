"""Review page callbacks: the query (period, drill-down path) lives in a Store; each callback reads it,
calls one service and builds the outputs with layouts/review*.py."""
from __future__ import annotations

from datetime import datetime, timezone

from dash import ALL, Input, Output, State, ctx, no_update

from dashboard.services import evaluation, replay
from dashboard.services.evaluation import ReviewError
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import review as layout
from layouts import review_charts as charts
from layouts.formatting import local_time
from layouts.ids import review as ids


def _query(data: dict | None):
    try:
        return evaluation.query_from_store(data)
    except ReviewError:
        return evaluation.ReviewQuery()


def choose_period(period: str, start: str | None, end: str | None, data: dict):
    """Period radio or custom dates → the query (a custom period waits for both dates)."""
    data = dict(data or layout.default_query())
    if period == "custom" and not (start and end):
        return no_update, False
    data.update(period=period, first=start if period == "custom" else None, last=end if period == "custom" else None)
    return data, period != "custom"


def drill(row_clicks, crumb_clicks, data: dict, dimension: str | None):
    """A tapped league row adds a level to the path; a tapped crumb goes back to its depth."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered[0] or {}).get("value"):   # re-drawn: n_clicks 0
        return no_update, no_update
    data = dict(data or layout.default_query())
    filters = list(data.get("filters") or [])
    if trigger.get("type") == ids.ROW and dimension:
        if len(filters) >= 2:
            return no_update, no_update    # city › department › category is as deep as the table goes
        filters.append([dimension, trigger["code"]])
    elif trigger.get("type") == ids.CRUMB:
        filters = filters[: int(trigger["depth"])]
    data["filters"] = filters
    return data, True


def load(data: dict):
    svc, lang = services(), current_lang()
    query = _query(data)
    view = evaluation.overview(svc, identity(), query, lang)
    fig = view["figures"]
    pdf, csv_, xlsx = layout.export_hrefs(data or {}, lang)
    backlog = evaluation.open_overdue(svc, identity(), query)
    return (layout.tiles(fig, lang) + [layout.backlog_tile(backlog, lang)], layout.league_table(fig, lang, can_drill=len(query.filters) < 2),
            layout.crumbs(fig["filters"], lang), layout.period_note(fig, lang),
            evaluation_title(fig, lang), fig["dimension"], pdf, csv_, xlsx,
            charts.daily_figure(view["trends"]["daily"], lang), charts.weekly_figure(view["trends"]["weekly"], lang),
            charts.environment_body(view["environment"], lang), True, None, len(query.filters) >= 2)


def evaluation_title(fig: dict, lang: str) -> str:
    from dashboard.i18n import t
    return t(f"rev.breakdown.{fig['dimension']}", lang) if fig["filters"] else t("rev.league", lang)


def show_definition(_clicks):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered[0] or {}).get("value"):   # re-drawn: n_clicks 0
        return no_update, no_update, no_update
    return layout.definition(trigger["key"], current_lang()), False, trigger["key"]


def show_incidents(n: int, figure: str | None, data: dict):
    if not n or not figure:
        return no_update
    svc, lang = services(), current_lang()
    found = evaluation.incidents_behind(svc, identity(), _query(data), figure)
    return layout.incident_list(found, lang, svc.settings.timezone,
                                lambda code: evaluation.group_name(svc, "department", code, lang))


def show_history(_clicks):
    """A leader taps an incident's number: its history, read only, in the screen's language."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not (ctx.triggered[0] or {}).get("value"):
        return no_update
    from dashboard.i18n import t
    from dashboard.services import incident_queries
    from dashboard.services.incident_actions import ActionError
    from layouts.dispatch_related import timeline
    from layouts.dispatch_rows import city_names
    from dash import html
    svc, lang, who = services(), current_lang(), identity()
    try:
        view = incident_queries.get_incident(svc, who, int(trigger["id"]))
        history = incident_queries.incident_history(svc, who, int(trigger["id"]))
    except ActionError as exc:
        return html.P(exc.message, className="rev-empty")
    return [html.H3(t("rev.inc.history_of", lang).format(code=view.get("code") or view["id"])),
            html.Ol(timeline(history, lang, city_names(svc.city, lang), svc.settings.timezone),
                    className="disp-timeline rev-timeline")]


def hot_spots(category: str | None, data: dict):
    lang = current_lang()
    query = _query(data)
    query = evaluation.ReviewQuery(query.kind, query.first, query.last, query.filters, category or None)
    svc = services()
    cells = evaluation.hot_spots(svc, identity(), query)
    from dashboard.services.review_report import place_name
    for c in cells[:40]:   # the worst ones named as people know the place (district, nearest road)
        c["place"] = place_name(svc.city, c["lon"], c["lat"], lang)
    return charts.heat_circles(cells, lang)


def replay_steps(data: dict):
    moments = replay.steps(services(), _query(data), datetime.now(timezone.utc))
    return moments, max(0, len(moments) - 1), max(0, len(moments) - 1)


def replay_at(index: int | None, moments: list[str]):
    if not moments:
        return no_update, no_update, no_update, no_update, no_update, no_update
    svc, lang = services(), current_lang()
    at = datetime.fromisoformat(moments[min(int(index or 0), len(moments) - 1)])
    picture = replay.picture_at(svc, identity(), at)
    return (local_time(at, svc.settings.timezone)[:16], charts.replay_counts(picture["counts"], lang),
            picture["incidents"], picture["segments"], picture["stations"], picture["alerts"])


def register(app) -> None:
    app.callback(
        Output(ids.QUERY, "data", allow_duplicate=True), Output(ids.RANGE_BOX, "hidden"),
        Input(ids.PERIOD, "value"), Input(ids.RANGE, "start_date"), Input(ids.RANGE, "end_date"),
        State(ids.QUERY, "data"), prevent_initial_call=True,
    )(choose_period)
    app.callback(
        Output(ids.QUERY, "data", allow_duplicate=True), Output(ids.SCROLL, "data"),
        Input({"type": ids.ROW, "code": ALL}, "n_clicks"), Input({"type": ids.CRUMB, "depth": ALL}, "n_clicks"),
        State(ids.QUERY, "data"), State(ids.DIMENSION, "data"), prevent_initial_call=True,
    )(drill)
    app.callback(
        Output(ids.TILES, "children"), Output(ids.LEAGUE, "children"), Output(ids.CRUMBS, "children"),
        Output(ids.PERIOD_NOTE, "children"), Output(ids.LEAGUE_TITLE, "children"), Output(ids.DIMENSION, "data"),
        Output(ids.EXPORT_PDF, "href"), Output(ids.EXPORT_CSV, "href"), Output(ids.EXPORT_XLSX, "href"),
        Output(ids.DAILY, "figure"), Output(ids.WEEKLY, "figure"), Output(ids.ENV, "children"),
        Output(ids.DEFINITION, "hidden"), Output(ids.FIGURE, "data"), Output(ids.DRILL_HINT, "hidden"),
        Input(ids.QUERY, "data"),
    )(load)
    # a tap on a row (or a crumb) keeps the table in view: the page does not jump away from it
    app.clientside_callback(
        """(children, pending) => {
            if (!pending) { return window.dash_clientside.no_update; }
            const title = document.getElementById('rev-league-title');
            if (title) { title.scrollIntoView({block: 'start'}); }
            return null;
        }""", Output(ids.SCROLL, "data", allow_duplicate=True), Input(ids.LEAGUE, "children"), State(ids.SCROLL, "data"),
        prevent_initial_call=True)
    app.callback(
        Output(ids.DEFINITION, "children"), Output(ids.DEFINITION, "hidden", allow_duplicate=True),
        Output(ids.FIGURE, "data", allow_duplicate=True),
        Input({"type": ids.TILE, "key": ALL}, "n_clicks"), prevent_initial_call=True,
    )(show_definition)
    app.callback(
        Output(ids.INCIDENTS, "children"),
        Input(ids.INCIDENTS_BTN, "n_clicks"), State(ids.FIGURE, "data"), State(ids.QUERY, "data"),
        prevent_initial_call=True,
    )(show_incidents)
    app.callback(Output(ids.HISTORY, "children"), Input({"type": ids.HISTORY_TYPE, "id": ALL}, "n_clicks"),
                 prevent_initial_call=True)(show_history)
    app.callback(
        Output(ids.HEAT_LAYER, "children"),
        Input(ids.HEAT_CATEGORY, "value"), Input(ids.QUERY, "data"),
    )(hot_spots)
    app.callback(
        Output(ids.REPLAY_STEPS, "data"), Output(ids.REPLAY_SLIDER, "max"), Output(ids.REPLAY_SLIDER, "value"),
        Input(ids.QUERY, "data"),
    )(replay_steps)
    app.callback(
        Output(ids.REPLAY_AT, "children"), Output(ids.REPLAY_COUNTS, "children"),
        Output(ids.INCIDENTS_LAYER, "data"), Output(ids.SEGMENTS, "data"), Output(ids.STATIONS, "data"),
        Output(ids.ALERTS, "data"),
        Input(ids.REPLAY_SLIDER, "value"), State(ids.REPLAY_STEPS, "data"), prevent_initial_call=True,
    )(replay_at)

