"""The Webhooks page ("/admin/webhooks"): the registered webhooks and, for the one chosen, its newest
deliveries with every attempt's outcome. Read-only: webhooks are registered and removed from the
shell or the API (their secret is shown once, there)."""
from __future__ import annotations

from typing import Any

from dash import html

from dashboard.i18n import t

from .formatting import local_time
from .grid import grid
from .ids import webhooks as ids

DASH = "–"


def hook_rows(hooks: list[dict], lang: str, tz: str) -> list[dict[str, Any]]:
    return [{"id": h["id"], "name": h["name"], "url": h["url"], "events": ", ".join(h["events"]),
             "filters": "; ".join(f"{k}: {', '.join(v)}" for k, v in (h["filters"] or {}).items()) or t("hooks.all", lang),
             "created": local_time(h["created_at"], tz)} for h in hooks]


def delivery_rows(items: list[dict], lang: str, tz: str) -> list[dict[str, Any]]:
    def result(d: dict) -> str:
        if d["last_status_code"]:
            return f"HTTP {d['last_status_code']}" + (f" · {d['last_error']}" if d["last_error"] and
                                                     not d["last_error"].startswith("HTTP") else "")
        return d["last_error"] or DASH
    return [{"id": d["id"], "at": local_time(d["created_at"], tz), "event": d["event"],
             "status": t(f"hooks.status.{d['status']}", lang), "status_code": d["status"],
             "attempts": d["attempts"], "result": result(d),
             "next": local_time(d["next_attempt_at"], tz) if d["status"] == "pending" else DASH} for d in items]


def _col(field: str, key: str, lang: str, **more) -> dict[str, Any]:
    return {"field": field, "headerName": t(key, lang), **more}


def hook_columns(lang: str) -> list[dict[str, Any]]:
    return [_col("id", "hooks.col.id", lang, width=80, cellClass="cell-num"),
            _col("name", "hooks.col.name", lang, width=180),
            _col("url", "hooks.col.url", lang, flex=2, minWidth=220, tooltipField="url"),
            _col("events", "hooks.col.events", lang, flex=1, minWidth=180, tooltipField="events"),
            _col("filters", "hooks.col.filters", lang, flex=1, minWidth=140),
            _col("created", "hooks.col.created", lang, width=185, cellClass="cell-num")]


def delivery_columns(lang: str) -> list[dict[str, Any]]:
    return [_col("at", "hooks.col.at", lang, width=185, cellClass="cell-num"),
            _col("event", "hooks.col.event", lang, width=180),
            _col("status", "hooks.col.status", lang, width=110, tooltipField="status_code"),
            _col("attempts", "hooks.col.attempts", lang, width=100, cellClass="cell-num"),
            _col("result", "hooks.col.result", lang, flex=1, minWidth=220, tooltipField="result"),
            _col("next", "hooks.col.next", lang, width=185, cellClass="cell-num")]


def page(lang: str) -> html.Div:
    return html.Div(id=ids.PAGE, className="webhooks-page admin-page", children=[
        html.Div(className="page-head", children=[
            html.Div(children=[html.H1(t("hooks.title", lang), className="page-title"),
                               html.P(t("hooks.subtitle", lang), className="page-subtitle")]),
            html.Button(t("hooks.refresh", lang), id=ids.REFRESH, className="btn", type="button"),
        ]),
        html.Div(className="audit-grid", style={"height": "30vh"}, children=[grid(
            ids.GRID, hook_columns(lang), empty_text=t("hooks.empty", lang), loading_text=t("hooks.loading", lang),
            selectable=True)]),
        html.H2(t("hooks.deliveries.choose", lang), id=ids.CHOSEN, className="section-title"),
        html.Div(className="audit-grid", style={"height": "40vh"}, children=[grid(
            ids.DELIVERIES, delivery_columns(lang), empty_text=t("hooks.deliveries.empty", lang),
            loading_text=t("hooks.loading", lang))]),
    ])
