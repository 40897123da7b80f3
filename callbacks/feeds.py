"""Feeds page callbacks. The server reads health (on load, after a live reset, and on the fallback
interval while live updates are not arriving) and the dead letters; the cards are drawn, aged and
kept live in the browser (assets/cityops-feeds.js) from "feeds.health" messages."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State

from dashboard.services import feeds_view
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import feeds as layout
from layouts.ids import feeds as ids
from layouts.ids import header as hdr
from layouts.shell import live_inbox_id

from .live import live_config


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="cityops", function_name=name)


def _health_store(report: dict) -> dict:
    return {"items": report["connectors"], "at": report["at"]}


def load(_reload: int | None):
    svc = services()
    report = feeds_view.health(svc, identity())
    return (_health_store(report), live_config(svc.settings, report["bus_last_id"], "/feeds"),
            layout.connector_options(report["connectors"], current_lang()))


def refresh(_n: int | None):
    return _health_store(feeds_view.health(services(), identity()))


def dead_letters(_version: str | None, connector: str | None):
    svc, lang = services(), current_lang()
    found = feeds_view.dead_letters(svc, identity(), connector)
    visible = found["payload_visible"]
    return (layout.dead_letter_rows(found["items"], lang, svc.settings.timezone),
            layout.dead_letter_columns(lang, visible),
            layout.dead_letter_count(len(found["items"]), found["total"], lang),
            layout.dead_letter_note(visible, lang))


def detail(selected: list[dict] | None):
    svc, lang = services(), current_lang()
    if not selected:
        return layout.dead_letter_detail(None, lang, svc.settings.timezone, picked=False)
    item = feeds_view.dead_letter(svc, identity(), selected[0]["id"])
    return layout.dead_letter_detail(item, lang, svc.settings.timezone)


def register(app) -> None:
    app.callback(
        Output(ids.HEALTH, "data"), Output(hdr.LIVE_CFG, "data", allow_duplicate=True),
        Output(ids.DL_CONNECTOR, "options"),
        Input(ids.RELOAD, "data"), prevent_initial_call="initial_duplicate",
    )(load)
    app.callback(
        Output(ids.HEALTH, "data", allow_duplicate=True),
        Input(ids.FALLBACK, "n_intervals"), prevent_initial_call=True,
    )(refresh)
    app.callback(
        Output(ids.DL_GRID, "rowData"), Output(ids.DL_GRID, "columnDefs"), Output(ids.DL_COUNT, "children"),
        Output(ids.DL_NOTE, "children"),
        Input(ids.DL_VERSION, "data"), State(ids.DL_CONNECTOR, "value"), prevent_initial_call=True,
    )(dead_letters)
    app.callback(
        Output(ids.DL_DETAIL, "children"),
        Input(ids.DL_GRID, "selectedRows"), prevent_initial_call=True,
    )(detail)

    app.clientside_callback(
        _js("applyFeedsBatch"),
        Output(ids.HEALTH, "data", allow_duplicate=True), Output(hdr.LIVE, "data", allow_duplicate=True),
        Input(live_inbox_id(ids.PREFIX), "data"), State(ids.RELOAD, "data"), prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("renderFeedCards"),
        Output(ids.CARDS, "children"), Output(ids.SUMMARY, "children"), Output(ids.SUMMARY, "className"),
        Input(ids.HEALTH, "data"), Input(hdr.CLOCK_TICK, "n_intervals"), State(ids.CONFIG, "data"),
    )
    app.clientside_callback(_js("fallbackOff"), Output(ids.FALLBACK, "disabled"), Input(hdr.LIVE, "data"))
    app.clientside_callback(
        _js("deadLetterVersion"), Output(ids.DL_VERSION, "data"),
        Input(ids.HEALTH, "data"), Input(ids.DL_CONNECTOR, "value"), State(ids.DL_VERSION, "data"),
    )

