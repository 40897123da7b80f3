"""Record a phoned-in case (登记来电) on the Dispatch page: a panel opened from the queue's toolbar with
what the caller says — category, urgency, what and where, who called. Filled by callbacks/dispatch_phone.py
(the intake service records it like the API's POST /api/v1/incidents)."""
from __future__ import annotations

from dash import dcc, html

from dashboard.domain.city import City
from dashboard.i18n import priority_name, t

from .dispatch_queue import dropdown_labels
from .ids import dispatch as ids


def _field(label: str, control, required: bool = False) -> html.Label:
    return html.Label(className="disp-field" + (" is-required" if required else ""), children=[
        html.Span(label, className="disp-field-label"), control])


def open_button(lang: str) -> html.Div:
    return html.Div(className="disp-phone-open", children=[
        html.Button(t("disp.phone.open", lang), id=ids.PHONE_OPEN, n_clicks=0, className="disp-btn"),
        html.Span(id=ids.PHONE_RESULT, className="disp-phone-result", role="status")])


def panel(lang: str, city: City) -> html.Div:
    categories = [{"label": f"{c.name(lang)} · {c.code}", "value": c.code}
                  for c in city.categories if city.can_file(c.code)]
    districts = [{"label": d.name(lang), "value": d.code} for d in city.districts]
    return html.Div(id=ids.PHONE, className="disp-phone", hidden=True, role="dialog",
                    **{"aria-label": t("disp.phone.title", lang)}, children=[
        html.Div(t("disp.phone.title", lang), className="disp-form-title"),
        html.Div(className="disp-phone-grid", children=[
            _field(t("disp.phone.category", lang), dcc.Dropdown(
                id=ids.PHONE_CATEGORY, options=categories, searchable=True, clearable=False,
                className="disp-select", labels=dropdown_labels(lang)), True),
            _field(t("disp.field.priority", lang), dcc.RadioItems(
                id=ids.PHONE_PRIORITY, options=[{"label": priority_name(p, lang), "value": p} for p in (1, 2, 3, 4)],
                value=None, inline=True, className="disp-radios")),
            _field(t("disp.phone.what", lang), dcc.Input(id=ids.PHONE_TITLE, type="text", maxLength=300,
                                                          className="disp-input"), True),
            _field(t("disp.phone.details", lang), dcc.Textarea(id=ids.PHONE_DESCRIPTION, rows=2,
                                                                className="disp-textarea")),
            _field(t("disp.phone.district", lang), dcc.Dropdown(
                id=ids.PHONE_DISTRICT, options=districts, searchable=True, className="disp-select",
                labels=dropdown_labels(lang))),
            _field(t("disp.phone.address", lang), dcc.Input(id=ids.PHONE_ADDRESS, type="text", maxLength=300,
                                                             className="disp-input")),
            _field(t("disp.phone.caller", lang), dcc.Input(id=ids.PHONE_NAME, type="text", maxLength=100,
                                                            className="disp-input")),
            _field(t("disp.phone.phone", lang), dcc.Input(id=ids.PHONE_NUMBER, type="tel", maxLength=40,
                                                           className="disp-input")),
        ]),
        html.Div(className="disp-form-buttons", children=[
            html.Button(t("disp.phone.submit", lang), id=ids.PHONE_SUBMIT, n_clicks=0,
                        className="disp-btn disp-btn-primary"),
            html.Button(t("disp.form.cancel", lang), id=ids.PHONE_CANCEL, n_clicks=0, className="disp-btn"),
            html.Span(id=ids.PHONE_ERROR, className="disp-error", role="alert"),
        ]),
    ])


def fields(category, priority, title, description, district, address, name, phone, city: City) -> dict:
    """The panel's values → the intake service's fields (a district gives the case a place on the map)."""
    out = {"category": category or "", "title": (title or "").strip(), "description": (description or "").strip(),
           "address": (address or "").strip() or None, "reporter_name": (name or "").strip() or None,
           "reporter_phone": (phone or "").strip() or None}
    if priority:
        out["priority"] = int(priority)
    if district:
        d = next((x for x in city.districts if x.code == district), None)
        ring = d.geometry["coordinates"][0] if d else []
        if ring:
            out["lon"] = sum(p[0] for p in ring) / len(ring)
            out["lat"] = sum(p[1] for p in ring) / len(ring)
    return out
