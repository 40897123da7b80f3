"""Dispatching-by-itself settings page callbacks: the table at the chosen target precision; a switch
or a new target saved (audited as the admin's), then the table again."""
from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.services import suggest as suggest_service
from dashboard.web.context import identity, services
from dashboard.web.lang import current_lang
from layouts import suggest_admin as layout
from layouts.ids import suggest_admin as ids


def open_page(_page):
    """The target in force, and the targets the model knows, as the page opens (not the admin's choice)."""
    overview = suggest_service.auto_dispatch_overview(services(), identity(), None, current_lang())
    return layout.target_options(overview["targets"]), overview["target"], overview["target"]


def show_settings(target, _changed):
    if target is None:
        raise PreventUpdate      # open_page chooses it first
    svc, lang = services(), current_lang()
    overview = suggest_service.auto_dispatch_overview(svc, identity(), target, lang)
    return layout.table(overview, lang, svc.settings.timezone), layout.model_line(overview["model"], lang, svc.settings.timezone)


def save_change(_switches, target, changed, in_force):
    """A switch flipped (its category) or a target chosen (every category that has a setting). Choosing
    the target in force (`in_force`: as the page opened with it, or as last saved) is no change, so
    opening the page writes nothing."""
    trigger = ctx.triggered_id
    if trigger is None or target is None or (trigger == ids.TARGET and target == in_force):
        raise PreventUpdate
    svc, lang = services(), current_lang()
    category = trigger["index"] if isinstance(trigger, dict) else None
    enabled = None
    if category is not None:
        enabled = "on" in (ctx.triggered[0]["value"] or [])
    try:
        change = suggest_service.change_auto_dispatch(svc, identity(), target, category, enabled, lang)
    except ValueError as exc:
        return layout.refused(str(exc), lang), "sugadm-status is-warn", no_update, no_update
    in_force = target if category is None else no_update
    if not change["categories"]:      # nothing changed (a switch drawn again, a target no setting had)
        return no_update, no_update, no_update, in_force
    return (layout.status(change, f"{category or ''} {change['name']}".strip(), lang), layout.status_class(change),
            (changed or 0) + 1, in_force)


def register(app) -> None:
    # the target is set on opening only, never by the callback that draws the table again after a change:
    # target → change → table → target would be a loop the browser cuts short
    app.callback(Output(ids.TARGET, "options"), Output(ids.TARGET, "value"), Output(ids.IN_FORCE, "data"),
                 Input(ids.PAGE, "id"))(open_page)
    app.callback(Output(ids.TABLE, "children"), Output(ids.MODEL, "children"),
                 Input(ids.TARGET, "value"), Input(ids.CHANGED, "data"))(show_settings)
    app.callback(Output(ids.STATUS, "children"), Output(ids.STATUS, "className"), Output(ids.CHANGED, "data"),
                 Output(ids.IN_FORCE, "data", allow_duplicate=True),
                 Input({"type": ids.SWITCH, "index": ALL}, "value"), Input(ids.TARGET, "value"),
                 State(ids.CHANGED, "data"), State(ids.IN_FORCE, "data"), prevent_initial_call=True)(save_change)
