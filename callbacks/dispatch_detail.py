"""Dispatch page: the incident in hand. Loading it (the service scopes and masks; the actions offered
are its `allowed_actions`), and running an action with the version the person is looking at. A
conflict (409) says what changed meanwhile and reloads the detail; nothing is overwritten."""
from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.domain import workflow
from dashboard.i18n import t
from dashboard.services import deadline_rules, incident_queries
from dashboard.services import reference   # the category's standards (issue 14)
from dashboard.services import suggest as suggest_service
from dashboard.services import evidence
from dashboard.services.incident_actions import ActionError, perform
from dashboard.services.clock import utcnow
from dashboard.web.context import identity, remote_addr, services
from layouts import dispatch_detail as detail_layout
from layouts import evidence as evidence_layout   # photos side by side (issue 18)
from layouts import dispatch_feedback as feedback
from layouts import dispatch_suggestions as suggestions_layout
from layouts.dispatch_actions import action_bar, action_request, field_values
from layouts import dispatch_standards as standards_layout   # issue 14
from layouts.dispatch_related import related, timeline
from layouts.dispatch_rows import city_names
from layouts.ids import dispatch as ids

DETAIL_OUTPUTS = (
    Output(ids.DETAIL, "className"), Output(ids.DETAIL_HEAD, "children"), Output(ids.ACTIONS, "children"),
    Output(ids.RECORD, "children"), Output(ids.RELATED, "children"), Output(ids.TIMELINE, "children"),
    Output(ids.MAP_MARKER, "children"), Output(ids.MAP, "viewport"), Output(ids.VIEWING, "data"),
    Output(ids.STALE, "className"), Output(ids.FEEDBACK, "children"),
)
STALE_AT = next(n for n, o in enumerate(DETAIL_OUTPUTS) if o.component_id == ids.STALE)
EMPTY = ("disp-detail is-empty", [], [], [], [], [], [], no_update, None, "disp-stale disp-hidden", [], no_update)


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="dispatch", function_name=name)


def _duplicates(svc, who, view: dict) -> list[tuple[dict, dict | None]]:
    found = []
    for entry in (view.get("details") or {}).get("likely_duplicates") or []:
        try:
            found.append((entry, incident_queries.get_incident(svc, who, int(entry["id"]))))
        except ActionError:   # another department's, or gone: say so, show nothing of it
            found.append((entry, None))
    return found


def _suggested(svc, who, view: dict, lang: str, names: dict) -> list:
    """The dispatch suggestion panel (智能派单, dashboard.services.suggest), when there is one."""
    panel = suggestions_layout.panel(suggest_service.suggestion_for_view(svc, who, view, lang), view, lang, names)
    return [panel] if panel is not None else []


def _form_context(svc, view: dict, lang: str) -> dict:
    default = deadline_rules.deadline_for(svc.city, view["category"], view["priority"], utcnow(), svc.tz)
    return {"departments": [(d.code, d.name(lang)) for d in svc.city.departments],
            "suggested": view.get("suggested_department"), "department": view.get("department"),
            "priority": view["priority"],
            "default_deadline": detail_layout.local_time(default.at.isoformat(), svc.settings.timezone, True)
            + f" · {default.basis(lang)}"}


def shown_already(current: dict | None, viewing: dict | None, reload: bool) -> bool:
    """The case picked is the one the detail shows (and the person did not ask to reload it)."""
    return (not reload and bool(current) and bool(viewing)
            and str(current.get("id")) == str(viewing.get("id")))


def load_detail(current, _refresh, viewing, config):
    if not current or not current.get("id"):
        return EMPTY
    svc, who, lang = services(), identity(), (config or {}).get("lang")
    tz = svc.settings.timezone
    keep_feedback = ctx.triggered_id == ids.REFRESH
    if shown_already(current, viewing, keep_feedback):
        # Redrawing would close (or reset to the suggested department) a form the person may be filling
        # in: nothing is redrawn; a newer version is said in the banner, as the live stream says it.
        return _same_case(svc, who, viewing, lang)
    try:
        view = incident_queries.get_incident(svc, who, int(current["id"]))
        history = incident_queries.incident_history(svc, who, view["id"])
    except ActionError as exc:
        message = feedback.refused(exc.status, exc.message, exc.details, lang, tz, str(current["id"]), None)
        return ("disp-detail", [], [], [], [], [], [], no_update, None, "disp-stale disp-hidden", message, no_update)
    if view.get("merged_into"):   # the case number of the incident it was merged into (if this person may see it)
        try:
            view["merged_into_code"] = incident_queries.get_incident(svc, who, int(view["merged_into"])).get("code")
        except ActionError:
            pass
    names = city_names(svc.city, lang)
    markers, viewport = detail_layout.marker(view)
    viewing = {"id": view["id"], "version": view["version"], "code": view.get("code"), "status": view["status"],
               "deadline": view.get("deadline"), "open": view["status"] in workflow.OPEN_STATUSES}
    return ("disp-detail", detail_layout.head(view, lang),
            action_bar(view.get("allowed_actions") or [], lang, _form_context(svc, view, lang))
            + standards_layout.note(reference.standards(svc, view["category"]), view.get("allowed_actions") or [],
                                    lang),   # 立案标准 on verify, 结案标准 on close (issue 14)
            detail_layout.record(view, lang, names, tz)
            + evidence_layout.panel(evidence.for_desk(svc, who, view), lang, tz),   # photos, 核查 (issue 18)
            _suggested(svc, who, view, lang, names) + related(view, _duplicates(svc, who, view), lang, names, tz),
            timeline(history, lang, names, tz), markers, viewport or no_update, viewing, "disp-stale disp-hidden",
            no_update if keep_feedback else [], no_update)


def _same_case(svc, who, viewing: dict, lang: str | None) -> tuple:
    try:
        version = incident_queries.get_incident(svc, who, int(viewing["id"]))["version"]
    except ActionError:
        raise PreventUpdate from None   # gone from this person's sight: the next action says so
    if version == viewing.get("version"):
        raise PreventUpdate
    unchanged = [no_update] * len(DETAIL_OUTPUTS)
    unchanged[STALE_AT] = "disp-stale"
    return (*unchanged, t("disp.stale", lang).format(v=version))


def _field_states() -> list[dict]:
    for group in ctx.states_list:
        if isinstance(group, list) and group and isinstance(group[0].get("id"), dict) \
                and group[0]["id"].get("type") == ids.FIELD_TYPE:
            return group
    return []


def run_action(_quick, _submit, _merge, viewing, _fields, refresh, config):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value") or not viewing:
        raise PreventUpdate
    svc, lang = services(), (config or {}).get("lang")
    if trigger["type"] == ids.MERGE_TYPE:
        action, reason, params = "merge", None, {"into": trigger["into"]}
    elif trigger["type"] == ids.QUICK_TYPE:
        action, reason, params = trigger["action"], None, {}
    else:
        action = trigger["action"]
        reason, params, missing = action_request(action, field_values(_field_states(), action))
        if missing:
            return feedback.missing(missing, lang), no_update, no_update, no_update
    try:
        incident = perform(svc, identity(), int(viewing["id"]), action, viewing["version"], reason=reason,
                           params=params, remote_addr=remote_addr())
    except ActionError as exc:
        message = feedback.refused(exc.status, exc.message, exc.details, lang, svc.settings.timezone,
                                   viewing.get("code") or str(viewing["id"]), viewing["version"])
        if exc.status != 409:
            return message, no_update, no_update, no_update
        return message, (refresh or 0) + 1, {"ids": [viewing["id"]], "at": utcnow().isoformat()}, no_update
    touched = [incident["id"], *([params["into"]] if action == "merge" else [])]
    # what the person now looks at, at once (the reload follows): their own change is not "someone else's"
    viewing = viewing | {"version": incident["version"], "status": incident["status"]}
    return (feedback.done(action, incident, lang), (refresh or 0) + 1, {"ids": touched, "at": utcnow().isoformat()},
            viewing)


def register(app) -> None:
    # not prevented at first: /dispatch?incident=… opens the page with that incident in hand
    app.callback(*DETAIL_OUTPUTS, Output(ids.STALE_TEXT, "children", allow_duplicate=True),
                 Input(ids.CURRENT, "data"), Input(ids.REFRESH, "data"), State(ids.VIEWING, "data"),
                 State(ids.CONFIG, "data"), prevent_initial_call="initial_duplicate")(load_detail)
    app.callback(
        Output(ids.FEEDBACK, "children", allow_duplicate=True), Output(ids.REFRESH, "data"),
        Output(ids.CHANGED, "data"), Output(ids.VIEWING, "data", allow_duplicate=True),
        Input({"type": ids.QUICK_TYPE, "action": ALL}, "n_clicks"),
        Input({"type": ids.SUBMIT_TYPE, "action": ALL}, "n_clicks"),
        Input({"type": ids.MERGE_TYPE, "into": ALL}, "n_clicks"),
        State(ids.VIEWING, "data"), State({"type": ids.FIELD_TYPE, "action": ALL, "name": ALL}, "value"),
        State(ids.REFRESH, "data"), State(ids.CONFIG, "data"), prevent_initial_call=True,
    )(run_action)

    app.clientside_callback(_js("closeDetail"), Output(ids.CURRENT, "data", allow_duplicate=True),
                            Input(ids.BACK, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(_js("toggleForms"), Output({"type": ids.FORM_TYPE, "action": ALL}, "className"),
                            Input({"type": ids.OPEN_TYPE, "action": ALL}, "n_clicks"),
                            Input({"type": ids.CANCEL_TYPE, "action": ALL}, "n_clicks"),
                            State({"type": ids.FORM_TYPE, "action": ALL}, "id"), prevent_initial_call=True)
    app.clientside_callback(_js("timeLeft"), Output(ids.TIME_LEFT, "children"), Output(ids.TIME_LEFT, "className"),
                            Input(ids.VIEWING, "data"), Input(ids.TICK, "n_intervals"), State(ids.CONFIG, "data"))
    app.clientside_callback(_js("reloadDetail"), Output(ids.REFRESH, "data", allow_duplicate=True),
                            Input(ids.STALE_RELOAD, "n_clicks"), State(ids.REFRESH, "data"), prevent_initial_call=True)
