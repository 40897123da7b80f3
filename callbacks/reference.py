"""City reference page callbacks: on load, ask the reference page service for the city in force and
build every section's rows; the taxonomy search filters the grid. Read-only: nothing here writes."""
from __future__ import annotations

from dash import Input, Output

from dashboard.i18n import t
from dashboard.services import reference_page
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import reference_rows as rows
from layouts.ids import reference as ids


def load(_lang):
    svc, lang = services(), current_lang()
    try:
        data = reference_page.view(svc, identity())
    except reference_page.NotAllowed as exc:
        return ("", [], [], [], [], [], [], t("ref.error", lang).format(reason=exc))
    return (rows.summary(data, lang), rows.district_rows(data, lang), rows.department_rows(data, lang),
            rows.taxonomy_rows(data, lang), rows.routing_rows(data, lang), rows.calendar(data, lang),
            rows.history_rows(data, lang, svc.settings.timezone), "")


def search(text):
    from dash import Patch
    patch = Patch()
    patch["quickFilterText"] = (text or "")[:200]
    return patch


def register(app) -> None:
    app.callback(
        Output(ids.SUMMARY, "children"), Output(ids.DISTRICT_GRID, "rowData"), Output(ids.DEPARTMENT_GRID, "rowData"),
        Output(ids.TAXONOMY_GRID, "rowData"), Output(ids.ROUTING_GRID, "rowData"), Output(ids.CALENDAR, "children"),
        Output(ids.HISTORY_GRID, "rowData"), Output(ids.ERROR, "children"),
        Input(ids.LOAD, "data"),
    )(load)
    app.callback(Output(ids.TAXONOMY_GRID, "dashGridOptions"), Input(ids.TAXONOMY_SEARCH, "value"),
                 prevent_initial_call=True)(search)


