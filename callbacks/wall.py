"""Video wall callbacks. The server does two things: load the snapshot (on page load, after a reset,
and on the slow poll while the relay is down) and answer the heartbeat (build id, feed health).
Everything else runs in the browser: the relay's deltas are applied by the Operations page's own
applyBatch (assets/cityops-live.js, called in order for every batch by assets/wall-stream.js), the
layers follow at most once a second (wall-layers.js), scenes and the highlight of severe events are
assets/wall-scenes.js, drawing wall-render.js and wall-trends.js (registered in callbacks/wall_render.py)."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, no_update

from dashboard.services.health import feed_health_report
from dashboard.services.wall import wall_snapshot
from dashboard.web.context import identity, services
from dashboard.web.wall import current_build
from layouts.ids import header as hdr
from layouts.ids import wall as ids
from layouts.shell import live_inbox_id

from .live import live_config

LAYERS = (ids.SEGMENTS_DATA, ids.STATIONS_DATA, ids.INCIDENTS_DATA, ids.ALERTS_DATA)
STORES = (ids.FIGURES, ids.EVENTS, ids.FEEDS)
VIEW = (Output(ids.PAGE, "className", allow_duplicate=True), Output(ids.SCENE_NAME, "children", allow_duplicate=True),
        Output(ids.SPOT, "data", allow_duplicate=True), Output(ids.SPOT_CARD, "children", allow_duplicate=True),
        Output(ids.MAP, "viewport", allow_duplicate=True), Output(ids.MAP, "invalidateSize", allow_duplicate=True))


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="wall", function_name=name)


def load_snapshot(_reload: int | None, mode: str | None):
    svc = services()
    who = identity()
    snap = wall_snapshot(svc, who.department if who and who.role == "operator" else None)
    live = no_update if mode == "poll" else live_config(svc.settings, snap["bus_last_id"], "/wall")
    return (snap["segments"], snap["stations"], snap["incidents"], snap["alerts"], snap["figures"], snap["events"],
            snap["feeds"], {"hourly": snap["hourly_new"], "recent": snap.get("recent")}, live)


def heartbeat(_n: int | None) -> dict:
    """The build the server runs (a wall loaded with another reloads itself) and the feed health
    (until feeds.health arrives over the relay, this is how the strip learns of a failing feed)."""
    return {"build": current_build(), "feeds": feed_health_report(services())["connectors"]}


def register(app) -> None:
    app.callback(
        *[Output(i, "data") for i in LAYERS + STORES], Output(ids.HOURLY, "data"),
        Output(hdr.LIVE_CFG, "data", allow_duplicate=True),   # the Operations page sets it too
        Input(ids.RELOAD, "data"), State(ids.MODE, "data"), prevent_initial_call="initial_duplicate",
    )(load_snapshot)
    app.callback(Output(ids.BEAT, "data"), Input(ids.HEARTBEAT, "n_intervals"), prevent_initial_call=True)(heartbeat)

    # the relay's batches, while the wall is shown: each applied in order by the Operations page's
    # applyBatch (assets/wall-stream.js; a reset reloads RELOAD), severe ones offered to the highlight
    app.clientside_callback(
        _js("applyQueued"),
        *[Output(i, "data", allow_duplicate=True) for i in LAYERS + STORES],
        Output(hdr.LIVE, "data", allow_duplicate=True),
        Input(live_inbox_id(ids.PREFIX), "data"),
        *[State(i, "data") for i in LAYERS + STORES], State(ids.RELOAD, "data"), State(ids.RELOAD, "id"),
        prevent_initial_call=True,
    )
    # the rotation, the end of a highlight, the clock
    app.clientside_callback(_js("onTick"), *VIEW, Output(ids.CLOCK, "children"), Output(ids.DATE, "children"),
                            Input(hdr.CLOCK_TICK, "n_intervals"), State(ids.CONFIG, "data"),
                            *[State(i, "data") for i in (ids.SEGMENTS_DATA, ids.STATIONS_DATA, ids.ALERTS_DATA,
                                                         ids.INCIDENTS_DATA)],
                            prevent_initial_call=True)
    # the layers follow their data at most once a second, and only while shown
    app.clientside_callback(_js("flushLayers"), *[Output(i, "data") for i in (ids.SEGMENTS, ids.STATIONS, ids.INCIDENTS,
                                                                              ids.ALERTS)],
                            *[Input(i, "data") for i in LAYERS], Input(ids.PAGE, "className"))
    # the heartbeat: another build → reload; fresh feed health → the strip
    app.clientside_callback(_js("onBeat"), Output(ids.FEEDS, "data", allow_duplicate=True),
                            Input(ids.BEAT, "data"), State(ids.CONFIG, "data"), prevent_initial_call=True)
    # a revoked kiosk link (or an ended session) takes the wall to the sign-in page
    app.clientside_callback(_js("checkAccess"), Output(ids.ACCESS, "data"), Input(ids.HEARTBEAT, "n_intervals"),
                            prevent_initial_call=True)
    # relay lost: say so discreetly, and poll the snapshot slowly until it is back
    app.clientside_callback(_js("liveState"), Output(ids.POLL, "disabled"), Output(ids.LIVE, "children"),
                            Output(ids.LIVE, "className"), Input(hdr.LIVE, "data"), State(ids.CONFIG, "data"),
                            State(ids.MODE, "data"))
    app.clientside_callback(_js("pollTick"), Output(ids.RELOAD, "data", allow_duplicate=True),
                            Input(ids.POLL, "n_intervals"), State(ids.RELOAD, "data"), prevent_initial_call=True)
