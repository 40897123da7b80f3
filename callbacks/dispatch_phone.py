"""Dispatch page: record a phoned-in case (登记来电). Thin: the panel's values → intake.record_manual →
the new case opened in the detail, or why it was refused, in the screen's language."""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from dashboard.i18n import t
from dashboard.reasons import localize_reason
from dashboard.services import intake
from dashboard.services.incident_actions import ActionError
from dashboard.services.clock import utcnow
from dashboard.web.context import identity, remote_addr, services
from layouts import dispatch_phone
from layouts.ids import dispatch as ids

FIELDS = (ids.PHONE_CATEGORY, ids.PHONE_PRIORITY, ids.PHONE_TITLE, ids.PHONE_DESCRIPTION, ids.PHONE_DISTRICT,
          ids.PHONE_ADDRESS, ids.PHONE_NAME, ids.PHONE_NUMBER)


def toggle(_open, _cancel, hidden):
    return not hidden if ctx.triggered_id == ids.PHONE_OPEN else True


def submit(n, *args):
    *values, config = args
    if not n:
        return no_update, no_update, no_update, no_update, no_update
    svc, lang = services(), (config or {}).get("lang")
    try:
        row = intake.record_manual(svc, identity(), dispatch_phone.fields(*values, svc.city), remote_addr())
    except ActionError as exc:   # said where the person is, nothing they typed is lost
        return no_update, localize_reason(exc.message, lang), no_update, no_update, no_update
    message = t("disp.phone.done", lang).format(code=row["code"])
    return message, "", True, {"id": row["id"]}, {"ids": [row["id"]], "at": utcnow().isoformat()}


def register(app) -> None:
    app.callback(Output(ids.PHONE, "hidden"), Input(ids.PHONE_OPEN, "n_clicks"), Input(ids.PHONE_CANCEL, "n_clicks"),
                 State(ids.PHONE, "hidden"), prevent_initial_call=True)(toggle)
    app.callback(Output(ids.PHONE_RESULT, "children"), Output(ids.PHONE_ERROR, "children"),
                 Output(ids.PHONE, "hidden", allow_duplicate=True),
                 Output(ids.CURRENT, "data", allow_duplicate=True), Output(ids.CHANGED, "data", allow_duplicate=True),
                 Input(ids.PHONE_SUBMIT, "n_clicks"), *[State(f, "value") for f in FIELDS], State(ids.CONFIG, "data"),
                 prevent_initial_call=True)(submit)
