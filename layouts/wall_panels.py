"""The wall's panels around the map: top bar, key figures, the scene widgets, the ticker and the
feed strip. Values are drawn client-side (assets/wall-render.js) into these same structures."""
from __future__ import annotations

from dash import html

from dashboard.i18n import t

from .ids import wall as ids

DASH = "–"

# key figure → its label; the order is the order of the tiles
FIGURES = (
    ("open", "ops.fig.open"), ("new_today", "ops.fig.new_today"), ("overdue", "ops.fig.overdue"),
    ("closed_today", "ops.fig.closed_today"), ("on_time", "wall.fig.on_time"), ("avg_close", "wall.fig.avg_close"),
    ("ci", "wall.fig.ci"), ("aqi", "wall.fig.aqi"), ("alerts", "ops.fig.alerts"),
)

# scene widget → (title, body id, kind of body)
WIDGETS = (
    ("hourly", "wall.trend.hourly", ids.TREND_HOURLY, "trend"),
    ("ci", "wall.trend.ci", ids.TREND_CI, "trend"),
    ("aqi", "wall.trend.aqi", ids.TREND_AQI, "trend"),
    ("roads", "wall.roads.title", ids.TOP_ROADS, "list"),
    ("stations", "wall.stations.title", ids.TOP_STATIONS, "list"),
    ("alerts", "wall.alerts.title", ids.ALERT_LIST, "list"),
    ("urgent", "wall.urgent.title", ids.URGENT_LIST, "list"),
    ("status", "wall.status.title", ids.STATUS_BARS, "bars"),
)


def top_bar(city_name: str, lang: str, scenes: tuple[str, ...]) -> html.Header:
    return html.Header(className="wall-top", children=[
        html.Div(className="wall-brand", children=[
            html.Span(className="wall-mark", **{"aria-hidden": "true"}),
            html.Div(children=[
                html.Div(city_name, id=ids.CITY, className="wall-city"),
                html.Div(t("app.title", lang), className="wall-app"),
            ]),
        ]),
        html.Div(className="wall-scene", children=[
            html.Div(t(f"wall.scene.{scenes[0]}", lang), id=ids.SCENE_NAME, className="wall-scene-name"),
            html.Ol(id=ids.SCENE_DOTS, className="wall-scene-dots", children=[
                html.Li(t(f"wall.scene.{name}", lang), className=f"wall-dot wall-dot-{name}") for name in scenes]),
        ]),
        html.Div(className="wall-time", children=[
            html.Div(id=ids.CLOCK, className="wall-clock"),
            html.Div(id=ids.DATE, className="wall-date"),
        ]),
    ])


def figure_tile(key: str, label: str) -> html.Div:
    return html.Div(className=f"wtile wtile-{key}", **{"data-fig": key}, children=[
        html.Div(label, className="wtile-label"),
        html.Div(className="wtile-body", children=[
            html.Span(DASH, className="wtile-value"), html.Span(className="wtile-unit"),
            html.Span(className="wtile-chip")]),
        html.Div(className="wtile-note"),
    ])


def figures(lang: str) -> html.Section:
    return html.Section(className="wall-figures", **{"aria-label": t("ops.figures", lang)}, children=[
        html.Div(id=ids.FIGURE_TILES, className="wtiles",
                 children=[figure_tile(key, t(label, lang)) for key, label in FIGURES]),
    ])


def widgets(lang: str) -> html.Section:
    """Every scene's widgets; the page's scene class decides which are shown (CSS)."""
    return html.Section(className="wall-widgets", children=[
        html.Section(className=f"wbox wbox-{key}", children=[
            html.H3(t(title, lang), className="wbox-title"),
            (html.Ol if kind == "list" else html.Div)(id=body_id, className=f"wbox-body wbox-{kind}"),
        ]) for key, title, body_id, kind in WIDGETS
    ])


def ticker(lang: str) -> html.Section:
    return html.Section(className="wall-ticker", children=[
        html.H3(t("wall.ticker.title", lang), className="wbox-title"),
        html.Ol(id=ids.TICKER, className="wticker", children=[
            html.Li(t("ops.events.empty", lang), className="wticker-empty")]),
    ])


def feed_strip(lang: str) -> html.Footer:
    return html.Footer(className="wall-feeds", children=[
        html.Span(t("wall.feeds.title", lang), className="wall-feeds-title"),
        html.Ul(id=ids.FEED_STRIP, className="wfeeds"),
        html.Span(id=ids.LIVE, className="wall-live", role="status"),
    ])
