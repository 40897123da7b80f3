"""Audit log page callbacks: read the filters and the page asked for, ask the audit view service
for that page (offset and limit go to the database), build the rows and the pager. Read-only."""
from __future__ import annotations

from dash import Input, Output, State, ctx

from dashboard.i18n import t
from dashboard.services import audit_view
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import audit as layout
from layouts.ids import audit as ids

FILTER_INPUTS = (Input(ids.ACTOR, "value"), Input(ids.ACTION, "value"), Input(ids.TARGET_TYPE, "value"),
                 Input(ids.TARGET_ID, "value"), Input(ids.DATES, "start_date"), Input(ids.DATES, "end_date"))


def show(actor, action, target_type, target_id, start_date, end_date, _refresh, _prev, _next, offset):
    svc, lang = services(), current_lang()
    try:
        filters = audit_view.parse_filters(actor=actor, action=action, target_type=target_type, target_id=target_id,
                                           start_date=start_date, end_date=end_date, tz=svc.settings.timezone)
    except audit_view.BadFilter as exc:
        return [], "", True, True, offset, t("audit.error.filter", lang).format(reason=exc)
    step = {ids.PREV: -1, ids.NEXT: 1}.get(ctx.triggered_id, None)
    wanted = max(0, (offset or 0) + step * audit_view.PAGE_SIZE) if step else 0   # a new filter starts at the top
    page = audit_view.audit_page(svc, identity(), filters, wanted, audit_view.PAGE_SIZE)
    text, no_prev, no_next = layout.pager(page, lang)
    city = svc.city
    departments = {d.code: d.name(lang) for d in city.departments + city.retired_departments}
    categories = {c.code: c.name(lang) for c in city.categories}
    return (layout.rows(page["items"], lang, svc.settings.timezone, departments, categories), text, no_prev, no_next,
            page["offset"], "")


def register(app) -> None:
    app.callback(
        Output(ids.GRID, "rowData"), Output(ids.RANGE, "children"), Output(ids.PREV, "disabled"),
        Output(ids.NEXT, "disabled"), Output(ids.OFFSET, "data"), Output(ids.ERROR, "children"),
        *FILTER_INPUTS, Input(ids.REFRESH, "n_clicks"), Input(ids.PREV, "n_clicks"), Input(ids.NEXT, "n_clicks"),
        State(ids.OFFSET, "data"),
    )(show)
    # clearing the filters is the browser's business; the change of filters then reloads the page
    app.clientside_callback(
        "function () { return ['', null, null, '', null, null]; }",
        Output(ids.ACTOR, "value"), Output(ids.ACTION, "value"), Output(ids.TARGET_TYPE, "value"),
        Output(ids.TARGET_ID, "value"), Output(ids.DATES, "start_date"), Output(ids.DATES, "end_date"),
        Input(ids.CLEAR, "n_clicks"), prevent_initial_call=True,
    )
