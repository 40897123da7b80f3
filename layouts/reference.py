"""The city reference page ("/reference"): the city package in force, read-only — districts on the
map, departments, the taxonomy with its 立案/结案标准 and 处置时限, routing rules with their
explanation, the working calendar's years and the import history. The page says where changes are
made (the package, `cityops city import`); the server fills the sections (callbacks/reference.py)."""
from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html

from dashboard.i18n import t

from .grid import grid
from .ids import reference as ids
from .operations_map import base_tiles, fn, hideout
from .reference_rows import (department_columns, district_columns, history_columns, routing_columns,
                             taxonomy_columns)

COMMAND = "cityops city validate DIR && cityops city import DIR --commit"


def _section(name: str, lang: str, *children, wide: bool = False) -> html.Section:
    return html.Section(id=ids.section(name), className="ref-section" + (" ref-wide" if wide else ""),
                        **{"aria-labelledby": f"{ids.section(name)}-h"}, children=[
        html.H2(t(f"ref.section.{name}", lang), id=f"{ids.section(name)}-h", className="ref-h2"), *children])


def _grid(grid_id: str, columns: list[dict], lang: str, row_id: str, height: int) -> html.Div:
    g = grid(grid_id, columns, empty_text=t("ref.empty", lang), loading_text=t("ref.loading", lang), row_id=row_id)
    g.dashGridOptions = {**g.dashGridOptions, "tooltipShowDelay": 200}
    return html.Div(g, className="ref-grid", style={"height": f"{height}px"})


def district_map(lang: str, districts: dict, bounds: list[list[float]], timezone: str, tile_url: str = "") -> dl.Map:
    """The districts over the offline base map (or the city's tiles when configured)."""
    h = hideout(lang, timezone, tiles=bool(tile_url))
    return dl.Map(id=ids.MAP, bounds=bounds, boundsOptions={"padding": [12, 12]}, className="ref-map",
                  zoomSnap=0.25, minZoom=8, maxZoom=18, attributionControl=False, trackViewport=False, children=[
        *([base_tiles(tile_url)] if tile_url else []),
        dl.GeoJSON(id=ids.DISTRICTS, data=districts, hideout=h, style=fn("districtStyle"),
                   onEachFeature=fn("districtEach")),
        dl.ScaleControl(position="bottomright", imperial=False)])


def page(lang: str, districts: dict, bounds: list[list[float]], timezone: str, tile_url: str = "") -> html.Div:
    return html.Div(id=ids.PAGE, className="ref-page admin-page", children=[
        html.Div(className="page-head", children=[html.Div(children=[
            html.H1(t("ref.title", lang), className="page-title"),
            html.P(id=ids.SUMMARY, className="page-subtitle"),
        ])]),
        html.P(className="ref-readonly", role="note", children=[
            t("ref.readonly", lang), " ", html.Code(COMMAND, className="ref-command")]),
        html.P(id=ids.ERROR, className="form-error", role="alert"),
        html.Div(className="ref-body", children=[
            _section("districts", lang, html.Div(className="ref-map-row", children=[
                district_map(lang, districts, bounds, timezone, tile_url),
                _grid(ids.DISTRICT_GRID, district_columns(lang), lang, "code", 360)])),
            _section("departments", lang, _grid(ids.DEPARTMENT_GRID, department_columns(lang), lang, "code", 300)),
            _section("taxonomy", lang,
                     html.Div(className="ref-search", role="search", children=[
                         html.Label(t("ref.search.label", lang), htmlFor=ids.TAXONOMY_SEARCH, className="field-label"),
                         dcc.Input(id=ids.TAXONOMY_SEARCH, type="search", debounce=False, className="text-input",
                                   placeholder=t("ref.search", lang))]),
                     _grid(ids.TAXONOMY_GRID, taxonomy_columns(lang), lang, "code", 440), wide=True),
            _section("routing", lang, _grid(ids.ROUTING_GRID, routing_columns(lang), lang, "id", 320)),
            _section("calendar", lang, html.Div(id=ids.CALENDAR, className="ref-calendar")),
            _section("history", lang, _grid(ids.HISTORY_GRID, history_columns(lang), lang, "id", 260)),
        ]),
        dcc.Store(id=ids.LOAD, data=lang),
    ])
