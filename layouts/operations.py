"""The Operations page ("/"): the live map and the side panel. No data here: the page's snapshot
callback fills the layers and stores, then live deltas keep them current (callbacks/operations.py)."""
from __future__ import annotations

from dash import dcc, html

from dashboard.domain.congestion import congestion_level
from dashboard.i18n import client_catalog, t

from . import palette
from .ids import operations as ids
from .operations_map import operations_map
from .operations_panel import legend, side_panel
from .shell import live_inbox

CLIENT_KEYS = ("ops.", "event.kind.", "source.", "feed.state.", "congestion.", "aqi.", "pollutant.")


def ci_levels() -> list[list]:
    """[[lowest index, level], …] read off the domain's own rule (indexes carry one decimal), so the
    browser names a city index's level without a second copy of the thresholds."""
    steps, previous = [], None
    for tenth in range(0, 101):
        level = congestion_level(tenth / 10)
        if level != previous:
            steps.append([tenth / 10, level])
            previous = level
    return steps


def page(lang: str, districts: dict, bounds: list[list[float]], timezone: str, tile_url: str = "",
         department: str | None = None) -> html.Div:
    """`department`: an operator's department name — the map and the events are theirs, the figures the
    city's, and the page says so."""
    scope = html.Div(t("ops.scope.operator", lang).format(department=department), className="ops-scope") \
        if department is not None else None
    return html.Div(id=ids.PAGE, className="ops-page" + (" is-operator" if department is not None else ""), children=[
        html.Div(className="ops-map-wrap", role="region", **{"aria-label": t("ops.map.label", lang)}, children=[
            operations_map(lang, districts, bounds, timezone, tile_url),
            legend(lang),
            scope,
        ]),
        side_panel(lang, city_wide_note=department is not None),
        dcc.Store(id=ids.RELOAD, data=0),
        live_inbox(ids.PREFIX),
        dcc.Store(id=ids.FIGURES),
        dcc.Store(id=ids.EVENTS),
        dcc.Store(id=ids.FEEDS),
        # labels and colours the client-side renderers use (one translation mechanism: dashboard.i18n)
        dcc.Store(id=ids.CONFIG, data={
            "lang": lang, "tz": timezone, "labels": client_catalog(lang, CLIENT_KEYS),
            "palette": palette.as_dict(), "ci_levels": ci_levels()}),
    ])
