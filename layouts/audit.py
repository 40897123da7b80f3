"""The Audit log page ("/admin/audit"): filters, one page of entries (newest first) and the pager.
The server fills the table (callbacks/audit.py). Read-only: the page has no control that changes
an entry, and the app has no function that could."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.domain import audit as audit_domain, workflow
from dashboard.i18n import priority_name, role_name, status_name, t

from .formatting import local_time, one_line
from .grid import grid
from .ids import audit as ids

DASH = "–"


def _named(prefix: str, value: str | None, lang: str) -> str:
    if value is None:
        return ""
    key = f"{prefix}.{value}"
    text = t(key, lang)
    return value if text == key else text


def action_name(action: str, lang: str) -> str:
    return _named("audit.action", action, lang)


def role_label(role: str | None, lang: str) -> str:
    if role in workflow.ROLES:
        return role_name(role, lang)
    if role == workflow.SYSTEM:
        return t("audit.role.system", lang)
    return role if role and role != "-" else DASH


def target_label(target_type: str | None, target_id: str | None, lang: str) -> str:
    if not target_type and not target_id:
        return ""
    kind = _named("audit.target", target_type, lang) if target_type else ""
    return f"{kind} {target_id}".strip() if target_id else kind


def value_text(field: str | None, value: Any, lang: str, departments: dict[str, str] | None = None,
               categories: dict[str, str] | None = None) -> str:
    """A recorded value as people read it: statuses, roles, categories, priorities, sources and
    departments by name; anything else as it was recorded."""
    if value is None or value == "":
        return t("audit.value.none", lang)
    if isinstance(value, bool):
        return t(f"audit.value.{str(value).lower()}", lang)
    if isinstance(value, (str, int)):
        text = str(value)
        if field == "status" and text in workflow.STATUSES:
            return status_name(text, lang)
        if field == "role" and text in workflow.ROLES:
            return role_name(text, lang)
        if field == "category":
            return f"{categories[text]} ({text})" if categories and text in categories else text
        if field == "priority" and text in ("1", "2", "3", "4"):
            return priority_name(text, lang)
        if field == "source":
            return _named("source", text, lang)
        if field == "department" and departments and text in departments:
            return departments[text]
    return one_line(value, 120)


def change_text(changes: list[dict], lang: str, departments: dict[str, str] | None = None,
                categories: dict[str, str] | None = None) -> str:
    """"状态: 信息收集 → 案卷建立; 责任部门: 空 → 城管局" — every field that changed, in one line; an
    entry that records only what was made ("类别: 道路破损; 等级: 一般") has no arrows."""
    created = all(c["before"] is None for c in changes)
    parts = []
    for c in changes:
        after = value_text(c["field"], c["after"], lang, departments, categories)
        text = after if created else f"{value_text(c['field'], c['before'], lang, departments, categories)} → {after}"
        parts.append(f"{_named('audit.field', c['field'], lang)}: {text}" if c["field"] else text)
    return "; ".join(parts)


def rows(items: list[dict], lang: str, tz: str, departments: dict[str, str] | None = None,
         categories: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Table rows; `departments` and `categories` name codes (code → name in `lang`)."""
    return [{"id": e["id"], "at": local_time(e["at"], tz), "actor": e["actor"],
             "role": role_label(e["actor_role"], lang), "remote_addr": e["remote_addr"] or DASH,
             "action": action_name(e["action"], lang), "action_code": e["action"],
             "target": target_label(e["target_type"], e["target_id"], lang),
             "change": change_text(e["changes"], lang, departments, categories), "reason": e["reason"] or ""}
            for e in items]


def pager(page: dict, lang: str) -> tuple[str, bool, bool]:
    """(range text, previous disabled, next disabled)."""
    total, offset, shown = page["total"], page["offset"], len(page["items"])
    if not total:
        return t("audit.pager.empty", lang), True, True
    text = t("audit.pager.range", lang).format(first=f"{offset + 1:,}", last=f"{offset + shown:,}", total=f"{total:,}")
    return text, offset == 0, offset + shown >= total


def columns(lang: str) -> list[dict[str, Any]]:
    def col(field: str, key: str, **more) -> dict[str, Any]:
        return {"field": field, "headerName": t(key, lang), **more}
    return [
        col("at", "audit.col.at", width=185, cellClass="cell-num"),
        col("actor", "audit.col.actor", width=130),
        col("role", "audit.col.role", width=120),
        col("remote_addr", "audit.col.from", width=130, cellClass="cell-num"),
        col("action", "audit.col.action", width=150, tooltipField="action_code"),
        col("target", "audit.col.target", width=130),
        col("change", "audit.col.change", flex=3, minWidth=260, tooltipField="change"),
        col("reason", "audit.col.reason", flex=1, minWidth=160, tooltipField="reason"),
    ]


def _field(label_key: str, control, lang: str, control_id: str, wide: bool = False) -> html.Div:
    return html.Div(className="filter" + (" filter-wide" if wide else ""), children=[
        html.Label(t(label_key, lang), htmlFor=control_id, className="field-label"), control])


def filters(lang: str) -> html.Div:
    actions = [{"label": action_name(a, lang), "value": a} for a in audit_domain.ACTIONS]
    targets = [{"label": _named("audit.target", k, lang), "value": k} for k in audit_domain.TARGET_TYPES]
    return html.Div(className="filter-bar", role="search", **{"aria-label": t("audit.filters", lang)}, children=[
        _field("audit.filter.actor", dcc.Input(
            id=ids.ACTOR, type="text", debounce=True, className="text-input",
            placeholder=t("audit.filter.actor.placeholder", lang)), lang, ids.ACTOR),
        _field("audit.filter.action", dcc.Dropdown(
            id=ids.ACTION, options=actions, placeholder=t("audit.filter.action.all", lang), clearable=True,
            className="filter-dropdown"), lang, ids.ACTION, wide=True),
        _field("audit.filter.target_type", dcc.Dropdown(
            id=ids.TARGET_TYPE, options=targets, placeholder=t("audit.filter.target_type.all", lang),
            clearable=True, searchable=False, className="filter-dropdown"), lang, ids.TARGET_TYPE),
        _field("audit.filter.target_id", dcc.Input(
            id=ids.TARGET_ID, type="text", debounce=True, className="text-input",
            placeholder=t("audit.filter.target_id.placeholder", lang)), lang, ids.TARGET_ID),
        _field("audit.filter.dates", dcc.DatePickerRange(
            id=ids.DATES, display_format="YYYY-MM-DD", first_day_of_week=1, clearable=True,
            start_date_placeholder_text=t("audit.filter.start", lang),
            end_date_placeholder_text=t("audit.filter.end", lang)), lang, ids.DATES, wide=True),
        html.Div(className="filter-buttons", children=[
            html.Button(t("audit.filter.clear", lang), id=ids.CLEAR, className="btn btn-quiet", type="button"),
            html.Button(t("audit.refresh", lang), id=ids.REFRESH, className="btn", type="button"),
        ]),
    ])


def page(lang: str) -> html.Div:
    return html.Div(id=ids.PAGE, className="audit-page admin-page", children=[
        html.Div(className="page-head", children=[
            html.Div(children=[
                html.H1(t("audit.title", lang), className="page-title"),
                html.P(t("audit.readonly", lang), className="page-subtitle"),
            ]),
        ]),
        filters(lang),
        html.P(id=ids.ERROR, className="form-error", role="alert"),
        html.Div(className="audit-grid", children=[grid(
            ids.GRID, columns(lang), empty_text=t("audit.pager.empty", lang), loading_text=t("audit.loading", lang))]),
        html.Div(className="pager", children=[
            html.Span(id=ids.RANGE, className="pager-range", role="status"),
            html.Button(t("audit.pager.prev", lang), id=ids.PREV, className="btn btn-quiet", type="button",
                        disabled=True),
            html.Button(t("audit.pager.next", lang), id=ids.NEXT, className="btn btn-quiet", type="button",
                        disabled=True),
        ]),
        dcc.Store(id=ids.OFFSET, data=0),
    ])
