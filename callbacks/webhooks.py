"""Webhooks page callbacks: the list on load and refresh; the chosen webhook's deliveries."""
from __future__ import annotations

from dash import Input, Output

from dashboard.i18n import t
from dashboard.services.webhooks import WebhookError, WebhookService
from dashboard.web.context import services
from dashboard.web.lang import current_lang
from layouts import webhooks as layout
from layouts.ids import webhooks as ids


def show_hooks(_refresh):
    svc = services()
    return layout.hook_rows(WebhookService(svc).list(), current_lang(), svc.settings.timezone)


def show_deliveries(selected, _refresh):
    svc, lang = services(), current_lang()
    if not selected:
        return [], t("hooks.deliveries.choose", lang)
    chosen = selected[0]
    try:
        page = WebhookService(svc).deliveries(int(chosen["id"]), limit=200)
    except WebhookError:   # removed meanwhile
        return [], t("hooks.deliveries.choose", lang)
    return (layout.delivery_rows(page["items"], lang, svc.settings.timezone),
            t("hooks.deliveries", lang).format(name=chosen["name"]))


def register(app) -> None:
    app.callback(Output(ids.GRID, "rowData"), Input(ids.REFRESH, "n_clicks"))(show_hooks)
    app.callback(Output(ids.DELIVERIES, "rowData"), Output(ids.CHOSEN, "children"),
                 Input(ids.GRID, "selectedRows"), Input(ids.REFRESH, "n_clicks"))(show_deliveries)
