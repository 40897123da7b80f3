"""The queue side of the Dispatch page: saved views, filters, the grid, bulk dispatch.
Grid cell functions (time left, overdue, times) are in assets/dispatch-grid.js."""
from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.domain import workflow
from dashboard.domain.city import City
from dashboard.i18n import has, priority_name, status_name, t

from .ids import dispatch as ids

SOURCES = ("open311", "manual", "rules", "traffic", "sensorthings", "cap")
# Colours are the desk theme's (assets/cityops.css); the grid's theme needs them as values.
GRID_THEME = ("themeQuartz.withParams({backgroundColor: '#101a28', foregroundColor: '#e4ebf4', "
              "headerBackgroundColor: '#152133', headerTextColor: '#8da0b8', borderColor: '#22344d', "
              "accentColor: '#3ba4ff', oddRowBackgroundColor: '#0f1825', rowHoverColor: '#1b2a40', "
              "selectedRowBackgroundColor: 'rgba(59, 164, 255, 0.16)', fontFamily: 'inherit', fontSize: 13, "
              "headerFontSize: 12, spacing: 5, cellHorizontalPaddingScale: 0.6, wrapperBorderRadius: 0, "
              "rowBorder: {color: '#1a2a3f'}, "
              "checkboxUncheckedBackgroundColor: '#0a111b', checkboxUncheckedBorderColor: '#5f718a'})")


DROPDOWN_LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
                   "no_options_found")


def dropdown_labels(lang: str) -> dict[str, str]:
    """Dash's own dropdown texts, in the page's language."""
    return {name: t(f"disp.dd.{name}", lang) for name in DROPDOWN_LABELS}


def _options(pairs) -> list[dict]:
    return [{"label": label, "value": value} for value, label in pairs]


def _multi(id_: str, label_key: str, options: list[dict], lang: str, hidden: bool = False,
           value: list | None = None) -> html.Div:
    return html.Div(className="disp-filter" + (" disp-hidden" if hidden else ""), children=dcc.Dropdown(
        id=id_, options=options, multi=True, placeholder=t(label_key, lang), className="disp-select",
        labels=dropdown_labels(lang), value=value or []))


def filters(lang: str, city: City, operator_department: str | None, values: dict | None = None) -> html.Div:
    v = values or {}
    departments = [(d.code, d.name(lang)) for d in city.departments
                   if operator_department is None or d.code == operator_department]
    return html.Div(className="disp-filters", role="search", **{"aria-label": t("disp.f.label", lang)}, children=[
        _multi(ids.F_STATUS, "disp.f.status", _options((s, status_name(s, lang)) for s in workflow.STATUSES), lang,
               value=v.get("status")),
        _multi(ids.F_PRIORITY, "disp.f.priority", _options((p, priority_name(p, lang)) for p in (1, 2, 3, 4)), lang,
               value=v.get("priority")),
        _multi(ids.F_CATEGORY, "disp.f.category",
               _options((c.code, f"{c.name(lang)} · {c.code}") for c in city.categories), lang, value=v.get("category")),
        _multi(ids.F_DISTRICT, "disp.f.district", _options((d.code, d.name(lang)) for d in city.districts), lang,
               value=v.get("district")),
        _multi(ids.F_DEPARTMENT, "disp.f.department", _options(departments), lang, hidden=bool(operator_department),
               value=v.get("department")),
        _multi(ids.F_SOURCE, "disp.f.source",
               _options((s, t(f"source.{s}", lang)) for s in SOURCES if has(f"source.{s}")), lang,
               value=v.get("source")),
    ])


def toolbar(lang: str, view: str | None = None, values: dict | None = None, can_record: bool = False) -> html.Div:
    from .dispatch_phone import open_button
    v = values or {}
    return html.Div(className="disp-toolbar", children=[
        open_button(lang) if can_record else None,
        dcc.Dropdown(id=ids.VIEW_PICK, options=[], value=view, placeholder=t("disp.view.pick", lang), clearable=True,
                     searchable=False, className="disp-select disp-view-pick", labels=dropdown_labels(lang)),
        dcc.Input(id=ids.VIEW_NAME, type="text", placeholder=t("disp.view.name", lang),
                  className="disp-input disp-view-name",
                  maxLength=40, debounce=False),
        html.Button(t("disp.view.save", lang), id=ids.VIEW_SAVE, n_clicks=0, className="disp-btn"),
        html.Button(t("disp.view.delete", lang), id=ids.VIEW_DELETE, n_clicks=0, className="disp-btn disp-hidden"),
        html.Div(className="disp-toolbar-gap"),
        dcc.Input(id=ids.F_TEXT, type="search", placeholder=t("disp.f.text", lang), debounce=0.4,
                  className="disp-input disp-search", value=v.get("text") or ""),
        dcc.Checklist(id=ids.F_OVERDUE, options=[{"label": t("disp.f.overdue", lang), "value": "overdue"},
                                                 {"label": t("disp.f.supervised", lang), "value": "supervised"}],
                      value=v.get("overdue") or [],
                      className="disp-check", inline=True),
        html.Button(t("disp.f.clear", lang), id=ids.F_CLEAR, n_clicks=0, className="disp-btn disp-btn-quiet"),
    ])


def _col(field: str, key: str, lang: str, **extra) -> dict:
    return {"field": field, "headerName": t(key, lang), **extra}


def columns(lang: str, operator: bool) -> list[dict]:
    """Sized to fit the grid (columnSize): widths are proportions, minWidths keep every column legible
    at 1366 px with the detail open."""
    return [
        _col("priority", "disp.col.priority", lang, width=76, minWidth=58, sort="asc", sortIndex=0,
             valueFormatter={"function": "params.data ? params.data.priority_short : ''"},
             cellClass={"function": "'disp-prio disp-prio-' + params.value"}),
        _col("code", "disp.col.code", lang, width=128, minWidth=122, cellClass="disp-mono"),
        _col("title", "disp.col.title", lang, width=300, minWidth=150, tooltipField="title",
             valueFormatter={"function": "params.data && params.data.dup_label ? "
                                         "params.data.dup_label + ' ' + params.value : params.value"},
             cellClass={"function": "params.data && params.data.dup_label ? 'disp-has-dup' : ''"}),
        _col("category_label", "disp.col.category", lang, width=130, minWidth=84, tooltipField="category_label"),
        _col("status_label", "disp.col.status", lang, width=100, minWidth=84,
             cellClass={"function": "'disp-status disp-status-' + (params.data ? params.data.status : '')"}),
        {"colId": "time_left", "headerName": t("disp.col.time_left", lang), "width": 104, "minWidth": 88,
         "valueGetter": {"function": "dispSecondsLeft(params)"},
         "valueFormatter": {"function": "dispTimeLeft(params)"},
         "cellClass": {"function": "dispTimeLeftClass(params)"}},
        _col("district_label", "disp.col.district", lang, width=90, minWidth=60),
        _col("department_label", "disp.col.department", lang, width=150, minWidth=90, hide=operator,
             tooltipField="department_label"),
        # the citizen's time (when it was reported), as in the detail; the oldest first after priority
        _col("reported_at", "disp.col.reported", lang, width=108, minWidth=106, sort="asc", sortIndex=1,
             valueFormatter={"function": "dispTime(params)"}, cellClass="disp-mono",
             headerTooltip=t("disp.col.reported.tip", lang)),
    ]   # the source is a filter and in the detail: at 1366 px the queue has no room for it


def grid(lang: str, operator: bool, grid_labels: dict) -> dag.AgGrid:
    options = {"theme": {"function": GRID_THEME}, "rowHeight": 34, "headerHeight": 34, "animateRows": False,
               "tooltipShowDelay": 600, "localeText": {"noRowsToShow": t("disp.grid.empty", lang)},
               "context": grid_labels, "suppressDragLeaveHidesColumns": True,
               # After live rows the grid would put its focus back by position, on whatever row is there
               # now, and a focused row opens in the detail: assets/dispatch-grid.js re-focuses by id.
               "suppressFocusAfterRefresh": True}
    if not operator:   # rows are selected for bulk dispatch, which operators do not do
        options["rowSelection"] = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True,
                                   "enableClickSelection": False, "selectAll": "filtered"}
    return dag.AgGrid(
        id=ids.GRID, rowData=[], columnDefs=columns(lang, operator), getRowId="params.data.row_id",
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True,
                       "enableCellChangeFlash": True},
        rowClassRules={"disp-row-overdue": "dispOverdue(params)", "disp-row-current": "dispIsCurrent(params)",
                       "disp-row-supervised": "params.data && params.data.supervised",
                       "disp-row-new": "params.data && params.data.status === 'reported'"},
        dashGridOptions=options,
        eventListeners={"cellFocused": ["dispCellFocused(params)"], "bodyScroll": ["dispBodyScroll(params)"],
                        "gridSizeChanged": ["dispGridSize(params)"],
                        "rowDataUpdated": ["dispRowDataUpdated(params)"]},
        columnSize="responsiveSizeToFit",
        className="disp-grid", style={"height": "100%", "width": "100%"},
    )


def bulk_bar(lang: str, city: City) -> html.Div:
    """Shown while rows are selected; its report stays after the dispatched rows leave the queue."""
    options = [{"label": t("disp.bulk.auto", lang), "value": "auto"}] + [
        {"label": d.name(lang), "value": d.code} for d in city.departments]
    return html.Div(id=ids.BULK, className="disp-bulk is-idle", role="region",
                    **{"aria-label": t("disp.bulk.submit", lang)}, children=[
        html.Div(className="disp-bulk-row", children=[
            html.Span(id=ids.BULK_COUNT, className="disp-bulk-count"),
            html.Span(t("disp.bulk.department", lang), className="disp-field-label"),
            dcc.Dropdown(id=ids.BULK_DEPARTMENT, options=options, value="auto", clearable=False,
                         className="disp-select disp-bulk-department", labels=dropdown_labels(lang)),
            html.Label(className="disp-inline-field", children=[
                html.Span(t("disp.bulk.deadline", lang), className="disp-field-label"),
                dcc.Input(id=ids.BULK_DEADLINE, type="text", className="disp-input", inputMode="numeric",
                          placeholder=t("disp.field.deadline_format", lang), maxLength=16)]),
            html.Button(t("disp.bulk.submit", lang), id=ids.BULK_SUBMIT, n_clicks=0,
                        className="disp-btn disp-btn-primary"),
            html.Button(t("disp.bulk.clear", lang), id=ids.BULK_CLEAR, n_clicks=0, className="disp-btn disp-btn-quiet"),
        ]),
        html.Div(className="disp-bulk-report", children=[
            html.Div(id=ids.BULK_RESULT, className="disp-bulk-result", role="status"),
            html.Button(t("disp.bulk.dismiss", lang), id=ids.BULK_DISMISS, n_clicks=0,
                        className="disp-btn disp-btn-quiet"),
        ]),
    ])


def queue(lang: str, city: City, operator_department: str | None, grid_labels: dict,
          view: str | None = None, values: dict | None = None) -> html.Section:
    from . import dispatch_phone
    operator = operator_department is not None
    return html.Section(className="disp-queue", **{"aria-label": t("disp.queue", lang)}, children=[
        toolbar(lang, view, values, can_record=not operator),
        dispatch_phone.panel(lang, city) if not operator else None,
        filters(lang, city, operator_department, values),
        html.Div(className="disp-queue-status", children=[
            html.Span(id=ids.TOTAL, className="disp-total", role="status"),
            html.Span(id=ids.QUEUE_ERROR, className="disp-error"),
        ]),
        html.Div(grid(lang, operator, grid_labels), className="disp-grid-wrap"),
        bulk_bar(lang, city),   # operators never select rows, so it stays hidden for them
    ])
