"""The shared header: clock, active navigation link, and the tab's live connection (connect,
reconnect with backoff, close when the page that wanted it is left, status badge). All client-side:
assets/cityops-live.js, namespace dash_clientside.cityops."""
from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State

from layouts.ids import header as ids

PAGES_LOCATION = "_pages_location"   # Dash Pages' own dcc.Location


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="cityops", function_name=name)


def register(app) -> None:
    app.clientside_callback(_js("clock"), Output(ids.CLOCK, "children"),
                            Input(ids.CLOCK_TICK, "n_intervals"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("navActive"), Output({"type": ids.NAV_LINK, "index": ALL}, "className"),
                            Input(PAGES_LOCATION, "pathname"), State({"type": ids.NAV_LINK, "index": ALL}, "href"))
    app.clientside_callback(_js("connect"), Output(ids.WS, "url"), Output(ids.LIVE, "data"),
                            Input(ids.LIVE_CFG, "data"), prevent_initial_call=True)
    app.clientside_callback(_js("socketState"), Output(ids.LIVE, "data", allow_duplicate=True),
                            Input(ids.WS, "state"), prevent_initial_call=True)
    app.clientside_callback(_js("leavePage"), Output(ids.WS, "url", allow_duplicate=True),
                            Output(ids.LIVE, "data", allow_duplicate=True),
                            Input(PAGES_LOCATION, "pathname"), prevent_initial_call=True)
    app.clientside_callback(_js("routeMessage"), Output({"type": ids.BATCH, "page": ALL}, "data"),
                            Input(ids.WS, "message"), prevent_initial_call=True)
    app.clientside_callback(_js("liveBadge"), Output(ids.LIVE_BADGE, "children"),
                            Output(ids.LIVE_BADGE, "className"),
                            Input(ids.LIVE, "data"), State(ids.CONFIG, "data"))
