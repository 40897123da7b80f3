"""The Feeds page ("/feeds"): a card per connector (filled client-side from the health store by
assets/cityops-feeds.js, so that states age and live updates apply without the server) and the
dead letters (a table and the one in hand), which the server fills (callbacks/feeds.py)."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import client_catalog, t

from . import palette
from .formatting import local_time
from .grid import grid
from .ids import feeds as ids
from .shell import live_inbox

CLIENT_KEYS = ("feeds.", "feed.state.", "source.")
FALLBACK_SECONDS = 15     # re-read health this often only while live updates are not arriving


def source_name(connector: str, lang: str) -> str:
    key = f"source.{connector}"
    name = t(key, lang)
    return connector if name == key else name


def connector_options(items: list[dict], lang: str) -> list[dict[str, str]]:
    return [{"label": source_name(i["connector"], lang), "value": i["connector"]} for i in items]


def dead_letter_columns(lang: str, payload_visible: bool) -> list[dict[str, Any]]:
    columns = [
        {"field": "time", "headerName": t("feeds.dl.time", lang), "width": 185, "cellClass": "cell-num"},
        {"field": "connector", "headerName": t("feeds.dl.connector", lang), "width": 120},
        {"field": "reason", "headerName": t("feeds.dl.reason", lang), "flex": 2, "minWidth": 220,
         "tooltipField": "reason"},
    ]
    if payload_visible:
        columns.append({"field": "payload", "headerName": t("feeds.dl.payload", lang), "flex": 3, "minWidth": 240,
                        "cellClass": "cell-code"})
    return columns


def dead_letter_rows(items: list[dict], lang: str, tz: str) -> list[dict[str, Any]]:
    """Table rows; "payload" only where the service handed the payload on."""
    rows = []
    for item in items:
        row = {"id": item["id"], "time": local_time(item["received_at"], tz),
               "connector": source_name(item["connector"], lang), "reason": item["reason"]}
        if "raw_preview" in item:
            row["payload"] = item["raw_preview"]
        rows.append(row)
    return rows


def dead_letter_count(shown: int, total: int, lang: str) -> str:
    return t("feeds.dl.count", lang).format(shown=shown, total=total) if total else t("feeds.dl.empty", lang)


def dead_letter_note(payload_visible: bool, lang: str) -> str | None:
    return None if payload_visible else t("feeds.dl.admin_only", lang)


def dead_letter_detail(item: dict | None, lang: str, tz: str, picked: bool = True) -> list:
    """The dead letter in hand: when, which feed, why, and the payload (or why it is not shown)."""
    if item is None:
        return [html.P(t("feeds.dl.gone" if picked else "feeds.dl.pick", lang), className="dl-detail-empty")]
    facts = html.Dl(className="dl-facts", children=[
        html.Dt(t("feeds.dl.time", lang)), html.Dd(local_time(item["received_at"], tz), className="cell-num"),
        html.Dt(t("feeds.dl.connector", lang)), html.Dd(source_name(item["connector"], lang)),
        html.Dt(t("feeds.dl.reason", lang)), html.Dd(item["reason"], className="dl-reason"),
    ])
    if item.get("payload_visible"):
        payload = [html.Div(className="dl-payload-head", children=[
                       html.Span(t("feeds.dl.payload", lang)),
                       html.Span(t("feeds.dl.size", lang).format(n=item.get("raw_length", 0)), className="dl-size")]),
                   html.Pre(item.get("raw", ""), className="dl-payload", id="feeds-dl-payload")]
    else:
        payload = [html.P(t("feeds.dl.admin_only", lang), className="dl-admin-only", id="feeds-dl-admin-only")]
    return [html.H3(t("feeds.dl.detail", lang), className="dl-detail-title"), facts, *payload]


def _head(lang: str) -> html.Div:
    return html.Div(className="page-head", children=[
        html.Div(children=[
            html.H1(t("feeds.title", lang), className="page-title"),
            html.P(t("feeds.subtitle", lang), className="page-subtitle"),
        ]),
        html.Div(id=ids.SUMMARY, className="feeds-summary", role="status"),
    ])


def _dead_letters(lang: str) -> html.Section:
    return html.Section(className="dl-section", **{"aria-label": t("feeds.dl.title", lang)}, children=[
        html.Div(className="dl-head", children=[
            html.H2(t("feeds.dl.title", lang), className="section-title"),
            html.Span(t("feeds.dl.explain", lang), className="dl-explain"),
            html.Div(className="dl-tools", children=[
                html.Label(t("feeds.dl.connector", lang), htmlFor=ids.DL_CONNECTOR, className="field-label"),
                dcc.Dropdown(id=ids.DL_CONNECTOR, options=[], placeholder=t("feeds.dl.all", lang),
                             clearable=True, searchable=False, className="dl-connector"),
                html.Span(id=ids.DL_COUNT, className="dl-count"),
            ]),
        ]),
        html.P(id=ids.DL_NOTE, className="dl-note"),
        html.Div(className="dl-body", children=[
            html.Div(className="dl-grid", children=[grid(
                ids.DL_GRID, dead_letter_columns(lang, False), selectable=True,
                empty_text=t("feeds.dl.empty", lang), loading_text=t("feeds.loading", lang))]),
            html.Aside(id=ids.DL_DETAIL, className="dl-detail", children=dead_letter_detail(None, lang, "UTC", False)),
        ]),
    ])


def page(lang: str, timezone: str) -> html.Div:
    return html.Div(id=ids.PAGE, className="feeds-page admin-page", children=[
        _head(lang),
        html.Section(className="feed-cards-wrap", **{"aria-label": t("feeds.cards", lang)}, children=[
            html.Div(id=ids.CARDS, className="feed-cards"),
        ]),
        _dead_letters(lang),
        dcc.Store(id=ids.RELOAD, data=0),
        live_inbox(ids.PREFIX),
        dcc.Store(id=ids.HEALTH),
        dcc.Store(id=ids.DL_VERSION),
        dcc.Interval(id=ids.FALLBACK, interval=FALLBACK_SECONDS * 1000),
        dcc.Store(id=ids.CONFIG, data={"lang": lang, "tz": timezone, "labels": client_catalog(lang, CLIENT_KEYS),
                                       "palette": palette.as_dict()}),
    ])
