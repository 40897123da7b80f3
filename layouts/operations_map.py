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
TOOLTIP_KEYS = ("status.", "priority.", "congestion.", "aqi.", "pollutant.", "severity.", "unit.", "word.",
                "incident.", "ops.fig.primary")


def hideout(lang: str, timezone: str) -> dict:
    """What the map functions need: language, time zone, the labels they show, the colours."""
    return {"lang": lang, "tz": timezone, "labels": client_catalog(lang, TOOLTIP_KEYS), "palette": palette.as_dict()}


def _overlay(name: str, layer) -> dl.Overlay:
    return dl.Overlay(layer, name=name, checked=True)


def operations_map(lang: str, districts: dict, bounds: list[list[float]], timezone: str,
                   tile_url: str = "") -> dl.Map:
    h = hideout(lang, timezone)
    base = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    layers = dl.LayersControl(id=ids.LAYERS, position="topright", collapsed=False, children=[
        _overlay(t("ops.layer.districts", lang), dl.GeoJSON(
            id=ids.DISTRICTS, data=districts, hideout=h, interactive=False,
            style=fn("districtStyle"), onEachFeature=fn("districtEach"))),
        _overlay(t("ops.layer.alerts", lang), dl.GeoJSON(
            id=ids.ALERTS, data=EMPTY, hideout=h, style=fn("alertStyle"), onEachFeature=fn("alertEach"))),
        _overlay(t("ops.layer.segments", lang), dl.GeoJSON(
            id=ids.SEGMENTS, data=EMPTY, hideout=h, style=fn("segmentStyle"), onEachFeature=fn("segmentEach"),
            hoverStyle=fn("segmentHover"))),
        _overlay(t("ops.layer.stations", lang), dl.GeoJSON(
            id=ids.STATIONS, data=EMPTY, hideout=h, pointToLayer=fn("stationPoint"),
            onEachFeature=fn("stationEach"))),
        _overlay(t("ops.layer.incidents", lang), dl.GeoJSON(
            id=ids.INCIDENTS, data=EMPTY, hideout=h, cluster=True, zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 56, "maxZoom": 15}, pointToLayer=fn("incidentPoint"),
            clusterToLayer=fn("incidentCluster"), onEachFeature=fn("incidentEach"))),
    ])
    return dl.Map(
        id=ids.MAP, bounds=bounds,
        boundsOptions={"paddingTopLeft": [LEGEND_ROOM.get(lang, 300), 24], "paddingBottomRight": [LAYERS_ROOM, 24]},
        className="ops-map",
        zoomSnap=0.25, minZoom=9, maxZoom=18, attributionControl=False, trackViewport=False,
        children=[*base, layers, dl.ScaleControl(position="bottomright", imperial=False)],
    )
