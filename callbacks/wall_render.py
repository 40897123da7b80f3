"""Video wall: drawing from the page's stores, all client-side (assets/wall-render.js and
assets/wall-trends.js, namespace dash_clientside.wall). Nothing here reaches the server."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from layouts.ids import header as hdr
from layouts.ids import wall as ids


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="wall", function_name=name)


def register(app) -> None:
    config = State(ids.CONFIG, "data")
    app.clientside_callback(_js("renderFigures"), Output(ids.FIGURE_TILES, "children"),
                            Input(ids.FIGURES, "data"), config)
    app.clientside_callback(_js("renderTrends"), Output(ids.TREND_HOURLY, "children"),
                            Output(ids.TREND_CI, "children"), Output(ids.TREND_AQI, "children"),
                            Input(ids.FIGURES, "data"), Input(ids.HOURLY, "data"), config)
    app.clientside_callback(_js("renderTicker"), Output(ids.TICKER, "children"), Input(ids.EVENTS, "data"), config)
    # the clock tick ages the feeds: one that stops reporting turns stale without any message
    app.clientside_callback(_js("renderFeeds"), Output(ids.FEED_STRIP, "children"),
                            Input(ids.FEEDS, "data"), Input(hdr.CLOCK_TICK, "n_intervals"), config)
    app.clientside_callback(_js("renderRoads"), Output(ids.TOP_ROADS, "children"), Input(ids.SEGMENTS_DATA, "data"), config)
    app.clientside_callback(_js("renderStations"), Output(ids.TOP_STATIONS, "children"),
                            Input(ids.STATIONS_DATA, "data"), config)
    app.clientside_callback(_js("renderAlerts"), Output(ids.ALERT_LIST, "children"), Input(ids.ALERTS_DATA, "data"), config)
    app.clientside_callback(_js("renderIncidents"), Output(ids.URGENT_LIST, "children"),
                            Output(ids.STATUS_BARS, "children"), Input(ids.INCIDENTS_DATA, "data"), config)
