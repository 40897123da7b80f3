"""The Review page ("/review") for leaders on tablets: period picker, key figure tiles (tap one for its
definition and the incidents behind it), the league table (tap a row to drill down), trends, hot spots,
environment and traffic, replay, and the take-away links. Large type, 44 px touch targets, nothing
only on hover. Charts and maps: layouts/review_charts.py; filled by callbacks/review.py."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

from dash import dcc, html

from dashboard.domain.city import City
from dashboard.domain import evaluation as ev
from dashboard.domain import evaluation_format as fmt
from dashboard.i18n import status_name, t

from . import review_charts
from .formatting import incident_title, local_time
from .ids import review as ids

TILE_FIGURES = [f.key for f in ev.FIGURES]
# what fits a 1024 px tablet without scrolling the table; the inspectors' checks are figure tiles here and
# league columns in the take-away report (dashboard.services.review_report.LEAGUE_COLUMNS)
LEAGUE_COLUMNS = ("due", "closure_rate", "on_time_rate", "disposal_rate", "rework_rate", "close_mean", "overdue")


def category_options(lang: str, city: City) -> list[dict[str, str]]:
    """Every category of the city, retired ones too (the review looks back)."""
    return [{"label": c.name_zh if lang == "zh-CN" else c.name_en, "value": c.code} for c in city.categories]


def default_query(period: str = "this_month") -> dict:
    return {"period": period, "first": None, "last": None, "filters": []}


def query_args(query: dict, lang: str) -> dict:
    """The URL arguments of a query (the service parses the same ones)."""
    args = {"period": query.get("period") or "this_month", "lang": lang}
    if args["period"] == "custom":
        args.update(first=query.get("first") or "", last=query.get("last") or "")
    for dim, code in query.get("filters") or []:
        args[dim] = code
    return args


def export_hrefs(query: dict, lang: str) -> tuple[str, str, str]:
    q = urlencode(query_args(query, lang))
    return (f"/api/v1/review/report.pdf?{q}", f"/api/v1/review/export.csv?{q}", f"/api/v1/review/export.xlsx?{q}")


def period_picker(lang: str, period: str) -> html.Div:
    return html.Div(className="rev-periods", children=[
        dcc.RadioItems(id=ids.PERIOD, value=period, className="rev-period-radio", inline=True,
                       options=[{"label": t(f"rev.period.{k}", lang), "value": k} for k in ev.PERIOD_KINDS]),
        html.Div(id=ids.RANGE_BOX, className="rev-range-box", hidden=period != "custom", children=[
            dcc.DatePickerRange(id=ids.RANGE, display_format="YYYY-MM-DD", first_day_of_week=1,
                                minimum_nights=0, number_of_months_shown=1)]),
        html.Div(id=ids.PERIOD_NOTE, className="rev-period-note"),
    ])


def page(lang: str, districts: dict, bounds: list[list[float]], timezone: str, categories: list[dict],
         period: str = "this_month") -> html.Div:
    q = default_query(period)
    pdf, csv_, xlsx = export_hrefs(q, lang)
    return html.Div(id=ids.PAGE, className="rev-page", **{"data-lang": lang}, children=[
        dcc.Store(id=ids.QUERY, data=q),
        dcc.Store(id=ids.FIGURE, data=None),
        dcc.Store(id=ids.DIMENSION, data="department"),
        dcc.Store(id=ids.REPLAY_STEPS, data=[]),
        dcc.Store(id=ids.SCROLL, data=None),
        html.Div(className="rev-head", children=[
            html.Div([html.H1(t("rev.title", lang)), html.P(t("rev.subtitle", lang), className="rev-subtitle")]),
            html.Div(className="rev-exports", children=[
                html.Span(t("rev.export", lang), className="rev-exports-label"),
                html.A(t("rev.export.pdf", lang), id=ids.EXPORT_PDF, href=pdf, className="rev-btn", download=""),
                html.A(t("rev.export.csv", lang), id=ids.EXPORT_CSV, href=csv_, className="rev-btn", download=""),
                html.A(t("rev.export.xlsx", lang), id=ids.EXPORT_XLSX, href=xlsx, className="rev-btn", download=""),
            ]),
        ]),
        period_picker(lang, period),
        html.Nav(id=ids.CRUMBS, className="rev-crumbs", children=crumbs([], lang)),
        dcc.Loading(html.Div(id=ids.TILES, className="rev-tiles"), type="dot", delay_show=400),
        html.Section(id=ids.DEFINITION, className="rev-definition", hidden=True),
        html.Section(className="rev-card", children=[
            html.H2(id=ids.LEAGUE_TITLE, children=t("rev.league", lang)),
            html.P(t("rev.drill.hint", lang), id=ids.DRILL_HINT, className="rev-hint"),
            html.Div(id=ids.LEAGUE, className="rev-league-wrap"),
        ]),
        review_charts.trends_section(lang),
        review_charts.hot_spot_section(lang, districts, bounds, categories),
        review_charts.environment_section(lang),
        review_charts.replay_section(lang, districts, bounds, timezone, replay_ids()),
    ])


def replay_ids() -> SimpleNamespace:
    """The replay map's layer ids in the shape the shared map layers expect."""
    return SimpleNamespace(DISTRICTS=ids.DISTRICTS, ALERTS=ids.ALERTS, SEGMENTS=ids.SEGMENTS,
                           STATIONS=ids.STATIONS, INCIDENTS=ids.INCIDENTS_LAYER)


def crumbs(filters: list[dict], lang: str) -> list:
    items = [html.Button(t("rev.crumb.city", lang), id={"type": ids.CRUMB, "depth": 0}, className="rev-crumb",
                         n_clicks=0)]
    for n, f in enumerate(filters, 1):
        items += [html.Span("›", className="rev-crumb-sep"),
                  html.Button(f["name"], id={"type": ids.CRUMB, "depth": n}, className="rev-crumb", n_clicks=0)]
    return items


def period_note(fig: dict, lang: str) -> str:
    """"1 to 5 Dec 15:13 (to date) · compared with the same span before" for a running period."""
    p, prev = fig["period"], fig["previous"]
    if p.get("running"):
        return (t("rev.period.range_to_date", lang).format(first=p["first"], last=p["last"], time=p["end"][11:16])
                + " · " + t("rev.period.compare_to_date", lang).format(first=prev["first"], last=prev["last"],
                                                                      time=prev["end"][11:16]))
    return (t("rev.period.range", lang).format(first=p["first"], last=p["last"]) + " · "
            + t("rev.period.compare", lang).format(first=prev["first"], last=prev["last"]))


def backlog_tile(backlog: dict, lang: str) -> html.Button:
    """Open incidents overdue since before the period: tap for the definition and the list."""
    n = backlog.get("total") or 0
    text = (t("rev.backlog.note", lang).format(n=n, age=fmt.format_duration(backlog.get("oldest_seconds"), lang))
            if n else t("rev.backlog.none", lang))
    return html.Button(id={"type": ids.TILE, "key": "open_overdue"}, n_clicks=0,
                       className="rev-tile rev-backlog " + ("grade-red" if n else "grade-none"), children=[
        html.Span(t("rev.fig.open_overdue", lang), className="rev-tile-label"),
        html.Span(f"{n:,}", className="rev-tile-value"),
        html.Span(text, className="rev-backlog-note"),
    ])


def tiles(fig: dict, lang: str) -> list:
    out = []
    for key in TILE_FIGURES:
        value, grade = fig["totals"].get(key), fig["grades"].get(key)
        delta = fig["change"].get(key)
        good = fmt.change_is_good(key, delta)
        out.append(html.Button(id={"type": ids.TILE, "key": key}, n_clicks=0,
                               className=f"rev-tile grade-{grade or 'none'}", children=[
            html.Span(t(f"rev.fig.{key}", lang), className="rev-tile-label"),
            html.Span(fmt.format_figure(key, value, lang), className="rev-tile-value"),
            html.Span(fmt.format_change(key, delta, lang), className="rev-tile-change " + (
                "good" if good else "bad" if good is False else "flat")),
        ]))
    return out


def _rank_change(row: dict, lang: str) -> str:
    before = row.get("rank_before")
    if before is None:
        return t("rev.rank.new", lang) if row.get("on_time_rate") is not None else ""
    moved = before - row["rank"]
    if moved > 0:
        return t("rev.rank.up", lang).format(n=moved)
    if moved < 0:
        return t("rev.rank.down", lang).format(n=-moved)
    return t("rev.rank.same", lang)


def league_table(fig: dict, lang: str, can_drill: bool = True) -> html.Table | html.P:
    rows = fig["league"]
    if not rows:
        return html.P(t("rev.none", lang), className="rev-empty")
    head = html.Tr([html.Th(t("rev.col.rank", lang)), html.Th(t(f"rev.breakdown.{fig['dimension']}", lang))]
                   + [html.Th(t(f"rev.fig.{k}", lang)) for k in LEAGUE_COLUMNS] + [html.Th(t("rev.col.change", lang))])
    body = []
    for r in rows:
        cells = [html.Td(str(r["rank"]), className="num"), html.Td(r["name"], className="rev-name")]
        for k in LEAGUE_COLUMNS:
            cells.append(html.Td(fmt.format_figure(k, r.get(k), lang),
                                 className=f"num grade-{r['grades'].get(k) or 'none'}"))
        change = fmt.format_change("on_time_rate", r["change"].get("on_time_rate"), lang)
        cells.append(html.Td([html.Span(change), html.Br(), html.Small(_rank_change(r, lang))], className="num"))
        body.append(html.Tr(cells, id={"type": ids.ROW, "code": r["code"]}, n_clicks=0,
                            className="rev-row" + (" tappable" if can_drill else "")))
    return html.Table(className="rev-league", children=[html.Thead(head), html.Tbody(body)])


def definition(key: str, lang: str) -> list:
    return [
        html.H2(t(f"rev.fig.{key}", lang)),
        html.P(t(f"rev.def.{key}", lang), className="rev-def-text"),
        html.P(t("rev.def.grades", lang), className="rev-hint"),
        html.Button(t("rev.def.show_incidents", lang), id=ids.INCIDENTS_BTN, n_clicks=0, className="rev-btn primary"),
        html.Div(id=ids.INCIDENTS, className="rev-incidents"),
    ]


def incident_list(found: dict, lang: str, tz: str, department_name) -> list:
    items = found["items"]
    if not items:
        return [html.P(t("rev.none", lang), className="rev-empty")]
    head = html.Tr([html.Th(t(k, lang)) for k in ("rev.inc.code", "rev.inc.title_col", "rev.inc.status",
                                                   "rev.inc.department", "rev.inc.deadline", "rev.inc.closed")])
    def code(r):
        label = r["code"] or str(r["id"])
        if not found.get("links"):   # leaders: the incident's history here, read only (they have no Dispatch page)
            return html.Button(label, id={"type": ids.HISTORY_TYPE, "id": r["id"]}, n_clicks=0,
                               className="rev-code rev-link-button", title=t("rev.inc.history", lang))
        return html.A(label, href=f"/dispatch?incident={r['id']}", className="rev-link", title=t("rev.inc.open", lang))
    rows = [html.Tr([
        html.Td(code(r)),
        html.Td(incident_title(r, lang)), html.Td(status_name(r["status"], lang)),
        html.Td(department_name(r["department"])),
        html.Td(local_time(r["deadline"], tz)[:16]), html.Td(local_time(r["closed_at"], tz)[:16]),
    ]) for r in items]
    key = "rev.inc.count.one" if found["total"] == 1 else "rev.inc.count.all" if found["total"] == len(items) \
        else "rev.inc.count"   # "1 incident", never "1 incidents"
    return [html.P(t(key, lang).format(total=found["total"], shown=len(items)), className="rev-hint"),
            html.Div(id=ids.HISTORY, className="rev-history"),
            html.Div(className="rev-incidents-scroll", children=html.Table(
                className="rev-inc-table", children=[html.Thead(head), html.Tbody(rows)]))]
