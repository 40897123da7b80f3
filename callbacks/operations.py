"""Operations page callbacks. The server does one thing: load the snapshot (on page load, and when
the live stream says the page must start again). Everything live is client-side in
assets/cityops-live.js: deltas from the push relay are applied to each layer's GeoJSON and to the
stores, and the figures, events and feeds are rendered from the stores. The map view is never set
from here (the layout sets the city's bounds once)."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from dashboard.services.health import feed_health_report
from dashboard.services.operations import operations_snapshot
from dashboard.web.context import identity, services
from layouts.ids import header as hdr
from layouts.ids import operations as ids
from layouts.shell import live_inbox_id

from .live import live_config

LAYERS = (ids.SEGMENTS, ids.STATIONS, ids.INCIDENTS, ids.ALERTS)
STORES = (ids.FIGURES, ids.EVENTS, ids.FEEDS)


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="cityops", function_name=name)


def load_snapshot(_reload: int | None):
    svc = services()
    who = identity()
    snap = operations_snapshot(svc, who.department if who and who.role == "operator" else None)
    feeds = feed_health_report(svc)["connectors"]
    return (snap["segments"], snap["stations"], snap["incidents"], snap["alerts"],
            snap["figures"], snap["events"], feeds, live_config(svc.settings, snap["bus_last_id"], "/"))


def register(app) -> None:
    app.callback(
        *[Output(i, "data") for i in LAYERS + STORES], Output(hdr.LIVE_CFG, "data"),
        Input(ids.RELOAD, "data"),
    )(load_snapshot)

    app.clientside_callback(
        _js("applyBatch"),
        *[Output(i, "data", allow_duplicate=True) for i in LAYERS + STORES],
        Output(hdr.LIVE, "data", allow_duplicate=True),
        Input(live_inbox_id(ids.PREFIX), "data"),
        *[State(i, "data") for i in LAYERS + STORES], State(ids.RELOAD, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("renderFigures"),
        Output(ids.FIG_OPEN, "children"), Output(ids.FIG_NEW, "children"), Output(ids.FIG_OVERDUE, "children"),
        Output(ids.FIG_CLOSED, "children"), Output(ids.FIG_CI, "children"), Output(ids.FIG_CI_LEVEL, "children"),
        Output(ids.FIG_CI_LEVEL, "style"), Output(ids.FIG_AQI, "children"), Output(ids.FIG_AQI_LEVEL, "children"),
        Output(ids.FIG_AQI_LEVEL, "style"), Output(ids.FIG_AQI_PRIMARY, "children"),
        Output(ids.FIG_ALERTS, "children"), Output(ids.FIG_OVERDUE_TILE, "className"),
        Output(ids.FIG_ALERTS_TILE, "className"),
        Input(ids.FIGURES, "data"), State(ids.CONFIG, "data"),
    )
    app.clientside_callback(_js("renderEvents"), Output(ids.EVENT_LIST, "children"),
                            Input(ids.EVENTS, "data"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("renderFeeds"), Output(ids.FEED_LIST, "children"),
                            Input(ids.FEEDS, "data"), Input(hdr.CLOCK_TICK, "n_intervals"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("pageLiveClass"), Output(ids.PAGE, "className"), Input(hdr.LIVE, "data"))
