"""The wall's map: the operations map's layers (layouts.operations_map.map_layers), each in its own
pane so that a scene shows or hides a layer with one CSS class and no layer is ever rebuilt for it,
plus the highlight of a severe event. No controls: nobody touches a wall. The styling functions are
assets/wall-map.js (namespace cityops.wallmap), which sizes the operations map's marks for the wall."""
from __future__ import annotations

import dash_leaflet as dl
from dash_extensions.javascript import Namespace

from .ids import wall as ids
from .operations_map import EMPTY, base_tiles, hideout, map_layers

fn = Namespace("cityops", "wallmap")

LAYERS = ("districts", "alerts", "segments", "stations", "incidents")
PANES = {name: f"wall-{name}" for name in (*LAYERS, "spot")}


def wall_map(lang: str, districts: dict, bounds: list[list[float]], timezone: str, tile_url: str = "") -> dl.Map:
    h = hideout(lang, timezone, tiles=bool(tile_url))
    base = [base_tiles(tile_url)] if tile_url else []
    layers = map_layers(ids, districts, h, functions=fn, panes=PANES)
    spot = dl.GeoJSON(id=ids.SPOT, data=EMPTY, hideout=h, interactive=False, pane=PANES["spot"],
                      style=fn("spotStyle"), pointToLayer=fn("spotPoint"))
    panes = [dl.Pane(layers[name], name=PANES[name], className=f"wall-pane wall-pane-{name}") for name in LAYERS]
    return dl.Map(
        id=ids.MAP, bounds=bounds, className="wall-map",
        zoomSnap=0.1, minZoom=8, maxZoom=18, attributionControl=False, zoomControl=False,
        dragging=False, scrollWheelZoom=False, doubleClickZoom=False, boxZoom=False, keyboard=False,
        touchZoom=False, trackViewport=False,
        children=[*base, *panes, dl.Pane(spot, name=PANES["spot"], className="wall-pane wall-pane-spot")],
    )
