"""The actions of the Dispatch page: which inputs each one asks for, its keyboard key, its button and
form, and how the form's values become the arguments of incident_actions.perform. Which actions are
allowed is never decided here: the detail shows the incident's `allowed_actions` from the service."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from dashboard.domain import workflow
from dashboard.i18n import priority_name, t

from .dispatch_queue import dropdown_labels
from .ids import dispatch as ids

TEXT_FIELDS = ("reason", "text", "note")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    key: str                        # keyboard key (assets/dispatch-keys.js clicks the button that has it)
    fields: tuple[str, ...] = ()    # no fields: done at once, no form
    required: tuple[str, ...] = ()
    tone: str = "neutral"           # primary / danger / neutral


# In the order the buttons appear: the loop's next step first.
SPECS: dict[str, ActionSpec] = {s.name: s for s in (
    ActionSpec("verify", "v", tone="primary"),
    ActionSpec("dispatch", "d", ("department", "reason", "deadline"), ("department",), tone="primary"),
    ActionSpec("accept", "a", tone="primary"),
    ActionSpec("report_fixed", "f", ("note", "evidence_url"), ("note",), tone="primary"),
    ActionSpec("close", "c", tone="primary"),
    ActionSpec("request_verification", "e"),   # "k" moves up in the queue; 派发核查: to the inspector of the case's beat (issue 18)
    ActionSpec("reassign", "d", ("department", "reason", "deadline"), ("department", "reason")),   # why, always
    ActionSpec("progress", "p", ("text",), ("text",)),
    ActionSpec("rework", "w", ("reason",), ("reason",), tone="danger"),
    ActionSpec("reopen", "o", ("reason", "deadline"), ("reason",), tone="danger"),
    ActionSpec("reject", "r", ("reason",), ("reason",), tone="danger"),
    ActionSpec("return", "t", ("reason",), ("reason",), tone="danger"),
    ActionSpec("supervise", "s", ("reason",)),
    ActionSpec("reprioritize", "i", ("priority", "reason"), ("priority",)),
    ActionSpec("comment", "n", ("text",), ("text",)),
)}
# Final actions: sent only after a few seconds in which the person can undo them (assets/dispatch-undo.js).
UNDOABLE = frozenset({"reject"})
# Merge is offered on each likely duplicate (layouts/dispatch_detail.py), not in the action bar.
BAR_ACTIONS = tuple(SPECS)


def keys_for_role(role: str) -> list[tuple[str, str]]:
    """(key, action) pairs this role can ever use, one per key, for the help line."""
    seen: dict[str, str] = {}
    for spec in SPECS.values():
        if role in workflow.TRANSITIONS[spec.name].roles and spec.key not in seen:
            seen[spec.key] = spec.name
    return list(seen.items())


def action_request(action: str, values: dict[str, Any]) -> tuple[str | None, dict[str, Any], list[str]]:
    """A form's values → (reason, params, missing required fields) for incident_actions.perform."""
    spec = SPECS.get(action)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    clean = {k: v for k, v in clean.items() if v not in (None, "", [])}
    missing = [f for f in (spec.required if spec else ()) if f not in clean]
    reason = clean.pop("reason", None)
    params = {k: v for k, v in clean.items() if spec is None or k in spec.fields}
    if "priority" in params:
        params["priority"] = int(params["priority"])
    if isinstance(params.get("deadline"), str):
        params["deadline"] = iso_local(params["deadline"])
    return reason, params, missing


def iso_local(text: str) -> str:
    """"2026/12/10 9:05" or "2026-12-10 09:05" → "2026-12-10T09:05" (the city's time; anything else as given,
    for the service to refuse with its reason)."""
    import re
    m = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})\s*", text)
    if not m:
        return text
    y, mo, d, h, mi = (int(x) for x in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}"


def field_values(states: list[dict], action: str) -> dict[str, Any]:
    """The values of one action's form from a pattern-matching State list ({"id", "value"} items)."""
    return {s["id"]["name"]: s.get("value") for s in states
            if isinstance(s.get("id"), dict) and s["id"].get("action") == action}


# -- components -------------------------------------------------------------------------------
def _field_id(action: str, name: str) -> dict:
    return {"type": ids.FIELD_TYPE, "action": action, "name": name}


def _label(text: str, control, required: bool = False) -> html.Label:
    return html.Label(className="disp-field" + (" is-required" if required else ""), children=[
        html.Span(text, className="disp-field-label"), control])


def _department_options(departments: list[tuple[str, str]], suggested: str | None, lang: str) -> list[dict]:
    mark = f" · {t('disp.field.suggested', lang)}"
    ordered = sorted(departments, key=lambda d: d[0] != suggested)
    return [{"label": name + (mark if code == suggested else ""), "value": code} for code, name in ordered]


def _control(action: str, name: str, lang: str, ctx: dict) -> html.Label:
    spec = SPECS[action]
    required = name in spec.required
    fid = _field_id(action, name)
    if name == "department":
        preselect = ctx.get("suggested") if ctx.get("suggested") != ctx.get("department") else None
        control = dcc.Dropdown(id=fid, options=_department_options(ctx["departments"], ctx.get("suggested"), lang),
                               value=preselect, clearable=False, searchable=True, className="disp-select",
                               labels=dropdown_labels(lang))
        return _label(t("disp.field.department", lang), control, required)
    if name == "deadline":
        # text, not the browser's date picker: that one shows mm/dd/yyyy on a Chinese screen in an English
        # browser; "2026-12-10 17:30" reads the same everywhere (action_request makes it ISO 8601)
        control = dcc.Input(id=fid, type="text", className="disp-input", debounce=False, inputMode="numeric",
                            placeholder=t("disp.field.deadline_format", lang), maxLength=16,
                            pattern=r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}")
        hint = html.Span(t("disp.field.deadline_default", lang).format(at=ctx["default_deadline"]),
                         className="disp-field-hint") if ctx.get("default_deadline") else None
        return html.Div([_label(t("disp.field.deadline", lang), control), hint])
    if name == "priority":
        options = [{"label": priority_name(p, lang), "value": p} for p in (1, 2, 3, 4) if p != ctx.get("priority")]
        control = dcc.RadioItems(id=fid, options=options, className="disp-radios", inline=True)
        return _label(t("disp.field.priority", lang), control, required)
    if name == "evidence_url":
        control = dcc.Input(id=fid, type="url", className="disp-input", placeholder="https://…")
        return _label(t("disp.field.evidence_url", lang), control)
    if name == "reason":
        label = t("disp.field.reason" if required else "disp.field.reason_optional", lang)
    else:
        label = t(f"disp.field.{name}", lang)
    control = dcc.Textarea(id=fid, className="disp-textarea", rows=2)
    usual = usual_reasons(action, lang) if name == "reason" else []
    if not usual:
        return _label(label, control, required)
    # the usual reasons, one tap each (assets/dispatch-undo.js puts the text in the field); free text stays
    chips = html.Div(className="disp-reason-chips", role="group", **{"aria-label": t("disp.reasons.usual", lang)},
                     children=[html.Button(r, type="button", className="disp-reason-chip", tabIndex=-1,
                                           **{"data-reason": r}) for r in usual])
    return html.Div([_label(label, control, required), chips])


def usual_reasons(action: str, lang: str) -> list[str]:
    """The reasons people usually give for an action (translations "disp.reasons.<action>", "|"-separated)."""
    from dashboard.i18n import has
    key = f"disp.reasons.{action}"
    return [r for r in t(key, lang).split("|") if r] if has(key) else []


def _button(action: str, lang: str, kind: str) -> html.Button:
    spec = SPECS[action]
    return html.Button(
        [t(f"disp.action.{action}", lang), html.Kbd(spec.key, className="disp-kbd")],
        id={"type": kind, "action": action}, n_clicks=0, className=f"disp-btn disp-btn-{spec.tone}",
        title=f"{t(f'disp.action.{action}', lang)} ({spec.key})", **{"data-key": spec.key, "data-action": action})


def _form(action: str, lang: str, ctx: dict) -> html.Div:
    spec = SPECS[action]
    return html.Div(id={"type": ids.FORM_TYPE, "action": action}, className="disp-form", role="dialog",
                    **{"aria-label": t(f"disp.action.{action}", lang), "data-action": action}, children=[
        html.Div(t(f"disp.action.{action}", lang), className="disp-form-title"),
        *[_control(action, name, lang, ctx) for name in spec.fields],
        html.Div(className="disp-form-buttons", children=[
            html.Button(t("disp.form.submit", lang), id={"type": ids.SUBMIT_TYPE, "action": action}, n_clicks=0,
                        className=f"disp-btn disp-btn-{spec.tone} disp-submit",
                        **({"data-undo-text": t(f"disp.undo.{action}", lang), "data-undo-label": t("disp.undo", lang)}
                           if action in UNDOABLE else {})),
            html.Button(t("disp.form.cancel", lang), id={"type": ids.CANCEL_TYPE, "action": action}, n_clicks=0,
                        className="disp-btn disp-cancel"),
            html.Span(t("disp.form.hint", lang), className="disp-form-hint"),
        ]),
    ])


def action_bar(allowed: list[str], lang: str, ctx: dict) -> list:
    """Buttons for the actions allowed now, and the (closed) form of each that needs input.
    ctx: departments [(code, name)], suggested, department, priority, default_deadline."""
    shown = [a for a in BAR_ACTIONS if a in allowed]
    if not shown:
        return [html.Div(t("disp.actions.none", lang), className="disp-muted")]
    buttons = [_button(a, lang, ids.OPEN_TYPE if SPECS[a].fields else ids.QUICK_TYPE) for a in shown]
    forms = [_form(a, lang, ctx) for a in shown if SPECS[a].fields]
    return [html.Div(buttons, className="disp-action-buttons"), html.Div(forms, className="disp-forms")]
