"""The video wall ("/wall"): the city at a glance, full screen, for weeks without a touch.

The page holds no data: its snapshot callback fills the layers and stores, then the push relay's
deltas keep them current (callbacks/wall.py). Scenes rotate in the browser by switching one class
on the page root (assets/wall-scenes.js); sizes come from the screen (assets/wall.css)."""
from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import client_catalog, t

from . import palette
from .ids import wall as ids
from .operations import ci_levels
from .operations_panel import legend
from .shell import live_inbox
from .wall_map import wall_map
from .wall_options import WallOptions
from .wall_panels import feed_strip, figures, ticker, top_bar, widgets

CLIENT_KEYS = ("wall.", "ops.fig.", "ops.events.", "event.kind.", "source.", "feed.state.", "congestion.",
               "aqi.", "pollutant.", "severity.", "priority.", "status.", "live.", "incident.")


def client_config(lang: str, timezone: str, bounds: list[list[float]], options: WallOptions, build: str,
                  stale_after: float) -> dict:
    """What the wall's scripts need: labels in one language, colours, the city's bounds, the scenes,
    the build it was loaded with, when a feed counts as stale."""
    return {"lang": lang, "tz": timezone, "labels": client_catalog(lang, CLIENT_KEYS), "palette": palette.as_dict(),
            "ci_levels": ci_levels(), "bounds": bounds, "build": build, "stale_after": stale_after,
            "grid_class": grid_classes(options.grid), **options.as_client()}


def grid_classes(grid: tuple[int, int]) -> str:
    """Classes that snap the panels to the screens of a grid (see assets/wall.css): two screens
    side by side put the map on one and the panels on the other; three or more put the panels on
    the outer screens; two or more rows keep each panel inside one row of screens."""
    cols, rows = grid
    if cols < 2:
        return ""
    return " is-grid" + (" grid-2" if cols == 2 else " grid-wide") + (" grid-tall" if rows > 1 else "")


def page(lang: str, city_name: str, districts: dict, bounds: list[list[float]], timezone: str,
         options: WallOptions, build: str, stale_after: float, tile_url: str = "") -> html.Div:
    cols, rows = options.grid
    return html.Div(
        id=ids.PAGE, className=f"wall-page scene-{options.scenes[0]}{grid_classes(options.grid)}",
        style={"--cols": cols, "--rows": rows, "--dwell": f"{options.dwell_seconds:g}s"}, lang=lang,
        children=[
            top_bar(city_name, lang, options.scenes),
            html.Div(className="wall-map-area", role="region", **{"aria-label": t("wall.map.label", lang)}, children=[
                wall_map(lang, districts, bounds, timezone, tile_url),
                legend(lang, ids.LEGEND),
                html.Div(id=ids.SPOT_CARD, className="wall-spot-card"),
            ]),
            html.Aside(className="wall-side", children=[figures(lang), widgets(lang)]),
            html.Div(className="wall-right", children=[ticker(lang), feed_strip(lang)]),
            dcc.Store(id=ids.CONFIG, data=client_config(lang, timezone, bounds, options, build, stale_after)),
            dcc.Store(id=ids.RELOAD, data=0),
            live_inbox(ids.PREFIX),
            dcc.Store(id=ids.MODE, data=options.live),
            *[dcc.Store(id=i) for i in (ids.SEGMENTS_DATA, ids.STATIONS_DATA, ids.INCIDENTS_DATA, ids.ALERTS_DATA)],
            dcc.Store(id=ids.FIGURES),
            dcc.Store(id=ids.EVENTS),
            dcc.Store(id=ids.FEEDS),
            dcc.Store(id=ids.HOURLY),
            dcc.Store(id=ids.BEAT),
            dcc.Store(id=ids.ACCESS),
            # reloads the snapshot: only while the relay is down (enabled client-side), or always with ?live=poll
            dcc.Interval(id=ids.POLL, interval=int(options.poll_seconds * 1000), disabled=options.live != "poll"),
            dcc.Interval(id=ids.HEARTBEAT, interval=int(options.heartbeat_seconds * 1000)),
        ])
