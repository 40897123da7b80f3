"""The operations map: districts as the offline base map, then alerts, road congestion, air stations
and open incidents (clustered), each an overlay that can be switched off. Styling is done by the
functions in assets/cityops-map.js (namespace cityops.map), fed by `hideout`."""
from __future__ import annotations

import dash_leaflet as dl
from dash_extensions.javascript import Namespace

from dashboard.i18n import client_catalog, t

from . import palette
from .ids import operations as ids

fn = Namespace("cityops", "map")

EMPTY = {"type": "FeatureCollection", "features": []}
# Room the fitted city leaves for the legend (bottom left; its width depends on the language) and
# for the layer switch (top right), in pixels.
LEGEND_ROOM = {"zh-CN": 300, "en": 470}
LAYERS_ROOM = 150
FIT_PADDING = 16
TOOLTIP_KEYS = ("status.", "priority.", "congestion.", "aqi.", "pollutant.", "severity.", "unit.", "word.",
                "incident.", "ops.fig.primary")


def hideout(lang: str, timezone: str, tiles: bool = False) -> dict:
    """What the map functions need: language, time zone, the labels they show, the colours, and
    whether a tile base map lies under the districts (then they are drawn see-through)."""
    return {"lang": lang, "tz": timezone, "labels": client_catalog(lang, TOOLTIP_KEYS), "palette": palette.as_dict(),
            "tiles": tiles}


def _overlay(name: str, layer) -> dl.Overlay:
    return dl.Overlay(layer, name=name, checked=True)


def map_layers(layer_ids, districts: dict, h: dict, functions: Namespace = fn,
               panes: dict[str, str] | None = None) -> dict[str, dl.GeoJSON]:
    """The live layers by name, bottom to top: districts, alerts, segments, stations, incidents.
    `layer_ids` is a page's ids module (DISTRICTS, ALERTS, …); `functions` the namespace of the
    styling functions (the wall's wraps these with its own sizes); `panes` puts a layer in a map pane."""
    def pane(name: str) -> dict:
        return {"pane": panes[name]} if panes and name in panes else {}
    return {
        "districts": dl.GeoJSON(
            id=layer_ids.DISTRICTS, data=districts, hideout=h, interactive=False,
            style=functions("districtStyle"), onEachFeature=functions("districtEach"), **pane("districts")),
        "alerts": dl.GeoJSON(
            id=layer_ids.ALERTS, data=EMPTY, hideout=h, style=functions("alertStyle"),
            onEachFeature=functions("alertEach"), **pane("alerts")),
        "segments": dl.GeoJSON(
            id=layer_ids.SEGMENTS, data=EMPTY, hideout=h, style=functions("segmentStyle"),
            onEachFeature=functions("segmentEach"), hoverStyle=functions("segmentHover"), **pane("segments")),
        "stations": dl.GeoJSON(
            id=layer_ids.STATIONS, data=EMPTY, hideout=h, pointToLayer=functions("stationPoint"),
            onEachFeature=functions("stationEach"), **pane("stations")),
        "incidents": dl.GeoJSON(
            id=layer_ids.INCIDENTS, data=EMPTY, hideout=h, cluster=True, zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 56, "maxZoom": 15}, pointToLayer=functions("incidentPoint"),
            clusterToLayer=functions("incidentCluster"), onEachFeature=functions("incidentEach"),
            **pane("incidents")),
    }


def base_tiles(tile_url: str) -> dl.TileLayer:
    """The base map's tiles (CityOps' own archive, or the city's tile service), under every layer;
    zooming past the archive's deepest level enlarges its tiles."""
    return dl.TileLayer(url=tile_url, attribution="", maxZoom=18, maxNativeZoom=_native_zoom(tile_url),
                        className="base-tiles")


def _native_zoom(tile_url: str) -> int:
    from urllib.parse import parse_qs, urlsplit
    try:
        return int(parse_qs(urlsplit(tile_url).query).get("z", ["18"])[0])
    except ValueError:
        return 18


def operations_map(lang: str, districts: dict, bounds: list[list[float]], timezone: str,
                   tile_url: str = "") -> dl.Map:
    h = hideout(lang, timezone, tiles=bool(tile_url))
    base = [base_tiles(tile_url)] if tile_url else []
    layers = map_layers(ids, districts, h)
    control = dl.LayersControl(id=ids.LAYERS, position="topright", collapsed=False, children=[
        _overlay(t(f"ops.layer.{name}", lang), layer) for name, layer in layers.items()])
    return dl.Map(
        id=ids.MAP, bounds=bounds,
        # the city fills the map at every size (a legend-wide margin left a 150 px blob at 1024 × 768):
        # the legend and the layer switch float over the corners instead
        boundsOptions={"padding": [FIT_PADDING, FIT_PADDING]},
        # fit-city: the city is fitted again when the box changes (a tablet turned) until the user
        # moves the map (assets/cityops-map-fit.js)
        className="ops-map fit-city",
        zoomSnap=0.25, minZoom=9, maxZoom=18, attributionControl=False, trackViewport=False,
        children=[*base, control, dl.ScaleControl(position="bottomright", imperial=False)],
    )
