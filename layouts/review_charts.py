"""The Review page's charts and maps: trends (plotly), hot spots (circles on the offline district map),
environment and traffic, and the replay map (the operations map's own layers and styling)."""
from __future__ import annotations

import dash_leaflet as dl
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.i18n import aqi_name, congestion_name, status_name, t

from .ids import review as ids
from .operations_map import hideout, map_layers

GRAPH_CONFIG = {"displayModeBar": False, "scrollZoom": False}
# the stylesheet's font list (assets/cityops.css --font): SVG text gets no CSS variables
FONT_FAMILY = ('"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, Roboto, '
               'Arial, "CityOps CJK", sans-serif')
LAYOUT = dict(margin=dict(l=44, r=12, t=8, b=36), height=280, paper_bgcolor="rgba(0,0,0,0)",
              plot_bgcolor="rgba(0,0,0,0)", font=dict(size=15, color="#e4ebf4", family=FONT_FAMILY),
              xaxis=dict(gridcolor="#22344d"), yaxis=dict(gridcolor="#22344d"),
              legend=dict(orientation="h", y=1.12, x=0),
              hovermode=False)


def trends_section(lang: str) -> html.Section:
    return html.Section(className="rev-card rev-two", children=[
        html.Div([html.H2(t("rev.trend.daily", lang)),
                  dcc.Graph(id=ids.DAILY, config=GRAPH_CONFIG, figure=go.Figure(layout=LAYOUT),
                            style={"height": "280px"})]),
        html.Div([html.H2(t("rev.trend.weekly", lang)),
                  dcc.Graph(id=ids.WEEKLY, config=GRAPH_CONFIG, figure=go.Figure(layout=LAYOUT),
                            style={"height": "280px"})]),
    ])


def daily_figure(daily: list[dict], lang: str) -> go.Figure:
    days = [d["day"] for d in daily]
    fig = go.Figure(layout=LAYOUT)
    fig.add_bar(x=days, y=[d["created"] for d in daily], name=t("rev.trend.in", lang), marker_color="#1565c0")
    fig.add_bar(x=days, y=[d["closed"] for d in daily], name=t("rev.trend.closed", lang), marker_color="#2e7d32")
    fig.update_layout(barmode="group", xaxis=dict(type="category", nticks=8))
    return fig


def weekly_figure(weekly: list[dict], lang: str) -> go.Figure:
    fig = go.Figure(layout=LAYOUT)
    fig.add_scatter(x=[w["week"] for w in weekly], y=[None if w["rate"] is None else w["rate"] * 100 for w in weekly],
                    mode="lines+markers+text", text=[f"{w['rate'] * 100:.0f}%" if w["rate"] is not None else ""
                                                     for w in weekly],
                    textposition="top center", line=dict(color="#1565c0", width=3),
                    name=t("rev.fig.on_time_rate", lang))
    fig.update_layout(yaxis=dict(range=[0, 110], ticksuffix="%"), xaxis=dict(type="category"), showlegend=False)
    return fig


def _base_map(map_id: str, districts: dict, bounds, lang: str, tz: str, children: list) -> dl.Map:
    from .operations_map import fn
    return dl.Map(id=map_id, bounds=bounds, className="rev-map", zoomSnap=0.25, minZoom=8, maxZoom=17,
                  attributionControl=False, trackViewport=False, children=[
                      dl.GeoJSON(data=districts, hideout=hideout(lang, tz), interactive=False,
                                 style=fn("districtStyle"), onEachFeature=fn("districtEach")), *children])


def hot_spot_section(lang: str, districts: dict, bounds, categories: list[dict]) -> html.Section:
    return html.Section(className="rev-card", children=[
        html.Div(className="rev-card-head", children=[
            html.H2(t("rev.heat", lang)),
            dcc.Dropdown(id=ids.HEAT_CATEGORY, options=[{"label": t("rev.heat.all", lang), "value": ""}] + categories,
                         value="", clearable=False, searchable=False, className="rev-select"),
        ]),
        # a pane above the base map: the district polygons load later and would cover the circles
        _base_map(ids.HEAT_MAP, districts, bounds, lang, "UTC", [
            dl.Pane(dl.LayerGroup(id=ids.HEAT_LAYER), name="rev-heat", style={"zIndex": 450})]),
    ])


def heat_circles(cells: list[dict], lang: str) -> list:
    """One circle per grid cell, area and colour by count (no hover needed: the count is written on it)."""
    top = max((c["n"] for c in cells), default=1)
    out = []
    for c in cells:
        share = c["n"] / top
        colour = "#b71c1c" if share > 0.66 else "#ef6c00" if share > 0.33 else "#fbc02d"
        out.append(dl.CircleMarker(center=[c["lat"], c["lon"]], radius=6 + 16 * share ** 0.5, color=colour,
                                   className="rev-heat-cell", pane="rev-heat",
                                   fillColor=colour, fillOpacity=0.55, weight=1, children=[
                                       dl.Popup(" · ".join(filter(None, [
                                           c.get("place"), t("rev.heat.count", lang).format(n=c["n"])])))]))
    return out


def environment_section(lang: str) -> html.Section:
    return html.Section(className="rev-card", children=[html.H2(t("rev.env", lang)), html.Div(id=ids.ENV)])


def environment_body(env: dict, lang: str) -> list:
    if env["aqi_days"]:
        aqi_items = [html.Li([html.Span(className=f"rev-dot aqi-{level}"), aqi_name(level, lang),
                              html.B(f" {n}")], className="rev-chip") for level, n in env["aqi_days"].items()]
        worst = env.get("worst_aqi_day")
        aqi_part = [html.Ul(aqi_items, className="rev-chips")] + ([html.P(t("rev.env.worst_day", lang).format(
            day=worst["day"], aqi=worst["aqi"]), className="rev-hint")] if worst else [])
    else:
        aqi_part = [html.P(t("rev.env.no_aqi", lang), className="rev-empty")]
    if env["worst_hours"]:
        hours = [html.Li([t("rev.env.hour", lang).format(h=f"{h['hour']:02d}", h2=f"{(h['hour'] + 1) % 24:02d}"),
                          html.B(f" {h['ci']}"), " ", congestion_name(h["level"], lang)], className="rev-chip")
                 for h in env["worst_hours"][:3]]
        traffic = [html.Ul(hours, className="rev-chips")]
    else:
        traffic = [html.P(t("rev.env.no_traffic", lang), className="rev-empty")]
    return [html.Div(className="rev-two", children=[
        html.Div([html.H3(t("rev.env.aqi_days", lang)), *aqi_part]),
        html.Div([html.H3(t("rev.env.worst_hours", lang)), *traffic])])]


def replay_section(lang: str, districts: dict, bounds, tz: str, layer_ids) -> html.Section:
    layers = map_layers(layer_ids, districts, hideout(lang, tz))
    return html.Section(className="rev-card", children=[
        html.H2(t("rev.replay", lang)),
        html.P(t("rev.replay.hint", lang), className="rev-hint"),
        html.Div(className="rev-replay-bar", children=[
            html.Div(dcc.Slider(id=ids.REPLAY_SLIDER, min=0, max=1, step=1, value=0, marks=None, tooltip=None,
                                updatemode="mouseup", allow_direct_input=False), className="rev-slider"),
            html.Output(id=ids.REPLAY_AT, className="rev-replay-at"),
        ]),
        html.Div(id=ids.REPLAY_COUNTS, className="rev-chips-row"),
        dl.Map(id=ids.REPLAY_MAP, bounds=bounds, className="rev-map", zoomSnap=0.25, minZoom=8, maxZoom=17,
               attributionControl=False, trackViewport=False, children=list(layers.values())),
    ])


def replay_counts(counts: dict, lang: str) -> list:
    chips = [(t("rev.replay.open", lang), counts["open"]), (t("rev.replay.overdue", lang), counts["overdue"]),
             (t("rev.replay.alerts", lang), counts["alerts"]),
             (t("rev.replay.max_aqi", lang), counts["max_aqi"] if counts["max_aqi"] is not None else "—"),
             (t("rev.replay.congested", lang), sum(v for k, v in counts["congestion"].items()
                                                   if k in ("heavy", "severe")))]
    chips += [(status_name(s, lang), n) for s, n in sorted(counts["by_status"].items())]
    return [html.Span([label, html.B(f" {value}")], className="rev-chip") for label, value in chips]

