"""The detail side of the Dispatch page: a fixed frame (so the small map is made once and only moves),
and the parts filled for the incident in hand: header, source record, map marker."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from dashboard.i18n import category_name, priority_name, status_name, t

from . import palette
from .formatting import incident_title
from .ids import dispatch as ids
from .deadlines import deadline_value

fn = Namespace("cityops", "map")
DASH = "–"
MAP_ZOOM = 16


def local_time(iso: str | None, timezone: str, with_year: bool = False) -> str:
    """An ISO time as the city's wall clock: "06-12 14:03" (or with the year)."""
    if not iso:
        return DASH
    try:
        when = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    if when.tzinfo is not None:
        when = when.astimezone(ZoneInfo(timezone))
    return when.strftime("%Y-%m-%d %H:%M" if with_year else "%m-%d %H:%M")


def safe_link(url: Any) -> str | None:
    """Only http(s) links are shown as links: a report's media URL comes from outside."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def frame(lang: str, districts: dict, bounds: list, tile_url: str = "") -> html.Aside:
    base = [dl.TileLayer(url=tile_url, attribution="")] if tile_url else []
    small_map = dl.Map(
        id=ids.MAP, bounds=bounds, className="disp-map", zoomSnap=0.5, minZoom=9, maxZoom=18,
        attributionControl=False, keyboard=False, scrollWheelZoom=False, trackViewport=False, children=[
            *base,
            dl.GeoJSON(id=ids.MAP_DISTRICTS, data=districts, interactive=False, style=fn("districtStyle")),
            dl.LayerGroup(id=ids.MAP_MARKER),
        ])
    return html.Aside(id=ids.DETAIL, className="disp-detail is-empty", **{"aria-label": t("disp.title", lang)},
                      children=[
        html.Div(t("disp.detail.empty", lang), id=ids.DETAIL_EMPTY, className="disp-detail-empty"),
        # on a phone the case covers the queue: the way back to it (hidden on desks)
        html.Button(t("disp.back", lang), id=ids.BACK, n_clicks=0, className="disp-btn disp-back"),
        html.Div(className="disp-detail-top", children=[
            html.Div(id=ids.DETAIL_HEAD, className="disp-detail-head"),
            html.Span(id=ids.TIME_LEFT, className="disp-time-left"),
        ]),
        html.Div(id=ids.STALE, className="disp-stale disp-hidden", role="status", children=[
            html.Span(id=ids.STALE_TEXT),
            html.Button(t("disp.stale.reload", lang), id=ids.STALE_RELOAD, n_clicks=0, className="disp-btn"),
        ]),
        html.Div(id=ids.ACTIONS, className="disp-actions", role="toolbar",
                 **{"aria-label": t("disp.actions", lang)}),
        html.Div(id=ids.FEEDBACK, className="disp-feedback", **{"aria-live": "polite"}),
        html.Div(className="disp-detail-body", children=[
            html.Div(className="disp-where", children=[
                html.Div(small_map, className="disp-map-wrap", role="img",
                         **{"aria-label": t("disp.rec.location", lang)}),
                html.Div(id=ids.RECORD, className="disp-record"),
            ]),
            html.Div(id=ids.RELATED, className="disp-related"),
            html.Section(className="disp-history", children=[
                html.H3(t("disp.hist.title", lang), className="disp-h3"),
                html.Ol(id=ids.TIMELINE, className="disp-timeline"),
            ]),
        ]),
        dcc.Interval(id=ids.TICK, interval=30_000),
    ])


def chip(text: str, kind: str) -> html.Span:
    return html.Span(text, className=f"disp-chip disp-chip-{kind}")


def head(view: dict, lang: str) -> list:
    chips = [chip(status_name(view["status"], lang), f"status disp-status-{view['status']}"),
             chip(priority_name(view["priority"], lang), f"prio disp-prio-{view['priority']}"),
             chip(category_name(view["category"], lang, view), "category")]
    if view.get("supervised"):
        chips.append(chip(t("disp.badge.supervised", lang), "supervised"))
    return [
        html.Div(className="disp-head-line", children=[
            html.Span(view.get("code") or str(view["id"]), className="disp-code disp-mono"),
            html.Span(t("disp.detail.version", lang).format(v=view["version"]), className="disp-version"),
        ]),
        html.H2(incident_title(view, lang), className="disp-title", title=incident_title(view, lang)),
        html.Div(chips, className="disp-chips"),
        merged_into(view, lang) if view.get("merged_into") else None,
    ]


def merged_into(view: dict, lang: str) -> html.Div:
    """"Merged into incident 20261205003961", the case number a link that opens it (never the internal id)."""
    target = view["merged_into"]
    code = view.get("merged_into_code") or str(target)
    before, _, after = t("disp.merged_into", lang).partition("{code}")
    return html.Div(className="disp-merged-into", children=[
        before, dcc.Link(code, href=f"/dispatch?incident={target}", className="disp-link disp-mono"), after])


def _item(label_key: str, value, lang: str) -> html.Div:
    return html.Div(className="disp-kv", children=[html.Dt(t(label_key, lang)), html.Dd(value if value else DASH)])


def record(view: dict, lang: str, names: dict, timezone: str) -> list:
    details = view.get("details") or {}
    media = safe_link(details.get("media_url"))
    reporter = " · ".join(x for x in (view.get("reporter_name"), view.get("reporter_phone")) if x)
    source = t(f"source.{view['source']}", lang) if view.get("source") else ""
    return [
        html.H3(t("disp.rec.title", lang), className="disp-h3"),
        html.P(view.get("description") or DASH, className="disp-description"),
        html.Dl(className="disp-kvs", children=[
            _item("disp.rec.address", view.get("address"), lang),
            _item("disp.rec.district", names["district"].get(view.get("district") or "", view.get("district")), lang),
            _item("disp.rec.grid_cell", html.Code(view["grid_cell"], className="disp-grid-cell"), lang)
            if view.get("grid_cell") else None,   # the unit-grid cell (单元网格), when the city has a grid
            _item("disp.rec.source", f"{source} · {view.get('source_ref') or DASH}", lang),
            _item("disp.rec.reporter", reporter, lang),
            _item("disp.rec.reported_at", local_time(view.get("reported_at"), timezone, True), lang),
            _item("disp.rec.received_at", local_time(view.get("created_at"), timezone, True), lang),
            _item("word.department", names["department"].get(view.get("department") or "", view.get("department")),
                  lang),
            _item("word.deadline", deadline_value(local_time(view.get("deadline"), timezone, True)
                                                  if view.get("deadline") else None, view.get("deadline"), details, lang),
                  lang),
            _item("disp.rec.media", html.A(t("disp.rec.media_open", lang), href=media, target="_blank",
                                           rel="noopener noreferrer") if media else None, lang),
        ]),
    ]


def marker(view: dict) -> tuple[list, dict | Any]:
    """The marker layer's children and the map viewport for the incident (no location: none)."""
    if view.get("lat") is None or view.get("lon") is None:
        return [], None
    where = [view["lat"], view["lon"]]
    colour = palette.PRIORITY.get(str(view["priority"]), "#3ba4ff")
    return [dl.CircleMarker(center=where, radius=11, color="#ffffff", weight=2, fillColor=colour, fillOpacity=0.95),
            dl.CircleMarker(center=where, radius=22, color=colour, weight=1.5, fill=False, opacity=0.7)], \
        {"center": where, "zoom": MAP_ZOOM, "transition": "setView"}
