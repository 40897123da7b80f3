"""The side panel of the Operations page (key figures, newest events, feeds) and the map legend.
Values are filled client-side (assets/cityops-live.js) from the page's stores."""
from __future__ import annotations

from dash import html

from dashboard.i18n import aqi_name, congestion_name, priority_name, t

from . import palette
from .ids import operations as ids

DASH = "–"


def _tile(label_key: str, value_id: str, lang: str, tile_id: str | None = None, chip_id: str | None = None,
          note_id: str | None = None, wide: bool = False) -> html.Div:
    return html.Div(id=tile_id or f"{value_id}-tile", className="tile tile-wide" if wide else "tile", children=[
        html.Div(t(label_key, lang), className="tile-label"),
        html.Div(className="tile-body", children=[
            html.Span(DASH, id=value_id, className="tile-value"),
            html.Span(id=chip_id, className="level-chip") if chip_id else None,
        ]),
        html.Div(id=note_id, className="tile-note") if note_id else None,
    ])


def figures(lang: str, city_wide_note: bool = False) -> html.Section:
    title = t("ops.figures.city", lang) if city_wide_note else t("ops.figures", lang)
    return html.Section(className="panel-section figures", **{"aria-label": title}, children=[
        html.H2(title, className="section-title"),
        html.Div(className="tiles", children=[
            _tile("ops.fig.open", ids.FIG_OPEN, lang),
            _tile("ops.fig.new_today", ids.FIG_NEW, lang),
            _tile("ops.fig.overdue", ids.FIG_OVERDUE, lang, tile_id=ids.FIG_OVERDUE_TILE),
            _tile("ops.fig.closed_today", ids.FIG_CLOSED, lang),
            _tile("ops.fig.ci", ids.FIG_CI, lang, chip_id=ids.FIG_CI_LEVEL),
            _tile("ops.fig.aqi", ids.FIG_AQI, lang, chip_id=ids.FIG_AQI_LEVEL, note_id=ids.FIG_AQI_PRIMARY),
            _tile("ops.fig.alerts", ids.FIG_ALERTS, lang, tile_id=ids.FIG_ALERTS_TILE, wide=True),
        ]),
    ])


def events(lang: str, own: bool = False) -> html.Section:
    return html.Section(className="panel-section events", children=[
        html.H2(t("ops.events.own" if own else "ops.events", lang), className="section-title"),
        html.Ol(id=ids.EVENT_LIST, className="event-list", children=[
            html.Li(t("ops.events.empty", lang), className="event-empty")]),
    ])


def feeds(lang: str) -> html.Section:
    return html.Section(className="panel-section feeds", children=[
        html.H2(t("ops.feeds", lang), className="section-title"),
        html.Ul(id=ids.FEED_LIST, className="feed-list"),
    ])


def side_panel(lang: str, city_wide_note: bool = False) -> html.Aside:
    return html.Aside(className="ops-side", children=[figures(lang, city_wide_note), events(lang, city_wide_note),
                                                      feeds(lang)])


def _swatches(kind: str, items: list[tuple[str, str]]) -> html.Ul:
    return html.Ul(className=f"legend-items legend-{kind}", children=[
        html.Li([html.Span(className=f"sw sw-{kind}", style={"--sw": colour}), label]) for colour, label in items])


def legend(lang: str, legend_id: str = ids.LEGEND) -> html.Div:
    """The map's legend; each group is also classed by its layer (legend-congestion, …) so a page
    can show only the groups of the layers it shows."""
    levels = ("free", "light", "moderate", "heavy", "severe")
    aqi_levels = ("excellent", "good", "light", "moderate", "heavy", "severe")
    return html.Div(id=legend_id, className="map-legend", children=[
        html.Div(className="legend-group legend-congestion", children=[
            html.Div(t("ops.legend.congestion", lang), className="legend-title"),
            _swatches("line", [(palette.CONGESTION[lv], congestion_name(lv, lang)) for lv in levels])]),
        html.Div(className="legend-group legend-aqi", children=[
            html.Div(t("ops.legend.aqi", lang), className="legend-title"),
            _swatches("dot", [(palette.AQI[lv], aqi_name(lv, lang)) for lv in aqi_levels])]),
        html.Div(className="legend-group legend-priority", children=[
            html.Div(t("ops.legend.priority", lang), className="legend-title"),
            _swatches("dot", [(palette.PRIORITY[p], priority_name(p, lang)) for p in "1234"])]),
        html.Div(className="legend-group legend-alert", children=[
            html.Div(t("ops.legend.alert", lang), className="legend-title"),
            _swatches("area", [(palette.ALERT[s], t(f"severity.{s}", lang)) for s in ("Severe", "Moderate")])]),
    ])
