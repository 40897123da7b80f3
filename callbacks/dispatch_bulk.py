"""Dispatch page: bulk dispatch of the selected incidents. Each one is its own action with its own
version (the one the queue shows), so one conflict or refusal does not stop or undo the others; the
person gets a line per incident."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from dashboard.services.incident_actions import ActionError, perform
from dashboard.services.clock import utcnow
from dashboard.web.context import identity, remote_addr, services
from layouts.dispatch_feedback import bulk_report
from layouts.dispatch_rows import city_names, held_version
from layouts.ids import dispatch as ids

AUTO = "auto"   # no department given: the service routes each incident by its rule


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="dispatch", function_name=name)


def bulk_params(department: str | None, deadline: str | None) -> dict:
    params = {}
    if department and department != AUTO:
        params["department"] = department
    if deadline:
        from layouts.dispatch_actions import iso_local
        params["deadline"] = iso_local(deadline)
    return params


def bulk_dispatch(n_clicks, selected, held, department, deadline, viewing, refresh, config):
    if not n_clicks or not selected:
        raise PreventUpdate
    svc, who, lang = services(), identity(), (config or {}).get("lang")
    names = city_names(svc.city, lang)["department"]
    params = bulk_params(department, deadline)
    results, touched = [], []
    for row in selected:
        incident_id = int(row["id"])
        version = held_version(held, incident_id, row.get("version"))   # what the queue shows now
        code = row.get("code") or str(incident_id)
        try:
            incident = perform(svc, who, incident_id, "dispatch", version, params=dict(params),
                               remote_addr=remote_addr())
        except ActionError as exc:
            results.append({"code": code, "ok": False, "status": exc.status, "message": exc.message,
                            "details": exc.details, "seen": version})
            if exc.status == 409:
                touched.append(incident_id)
            continue
        touched.append(incident_id)
        results.append({"code": code, "ok": True,
                        "department": names.get(incident["department"], incident["department"])})
    # the incident open in the detail was among them: show it as it is now
    reload_detail = (refresh or 0) + 1 if viewing and viewing.get("id") in touched else no_update
    changed = {"ids": touched, "at": utcnow().isoformat()}
    return bulk_report(results, lang, svc.settings.timezone), changed, reload_detail


def register(app) -> None:
    app.callback(
        Output(ids.BULK_RESULT, "children"), Output(ids.CHANGED, "data", allow_duplicate=True),
        Output(ids.REFRESH, "data", allow_duplicate=True),
        Input(ids.BULK_SUBMIT, "n_clicks"), State(ids.GRID, "selectedRows"), State(ids.ROWS, "data"),
        State(ids.BULK_DEPARTMENT, "value"), State(ids.BULK_DEADLINE, "value"), State(ids.VIEWING, "data"),
        State(ids.REFRESH, "data"), State(ids.CONFIG, "data"),
        prevent_initial_call=True,
    )(bulk_dispatch)
    app.clientside_callback(_js("bulkBar"), Output(ids.BULK, "className"), Output(ids.BULK_COUNT, "children"),
                            Input(ids.GRID, "selectedRows"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("clearSelection"), Output(ids.GRID, "deselectAll"), Output(ids.BULK_RESULT, "children",
                            allow_duplicate=True), Input(ids.BULK_CLEAR, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(_js("dismissReport"), Output(ids.BULK_RESULT, "children", allow_duplicate=True),
                            Input(ids.BULK_DISMISS, "n_clicks"), prevent_initial_call=True)
