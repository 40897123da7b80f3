"""The admin's page of dispatching by itself ("/admin/suggestions"): the target precision, which model
the figures are of, and per category a switch with what the model measured at that target on its
held-out closed cases (threshold, coverage, precision)."""
from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.i18n import t

from .formatting import local_time
from .ids import suggest_admin as ids

DASH = "–"


def percent(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{100 * value:.{digits}f} %"


def target_label(target: float) -> str:
    return f"{100 * target:g} %"


def target_options(targets) -> list[dict]:
    return [{"label": target_label(x), "value": x} for x in targets]


def model_line(model: dict | None, lang: str, tz: str) -> str:
    if model is None:
        return t("sugadm.no_model", lang)
    return t("sugadm.model", lang).format(v=model["version"], at=local_time(model["trained_at"], tz)[:16],
                                          n=f"{model['trained_on']:,}")


def _threshold(row: dict, lang: str, measured: bool) -> str:
    if not measured:
        return DASH
    return t("sugadm.never", lang) if row["threshold"] is None else f"{row['threshold']:.3f}"


def _own_target(row: dict[str, Any], target: float, lang: str):
    """A category switched on at another target than the page's (set from the shell) says which."""
    own = row.get("target_precision")
    if not row["auto_dispatch"] or own is None or round(own, 4) == round(target, 4):
        return None
    return html.Span(t("sugadm.own_target", lang).format(target=target_label(own)), className="sugadm-own-target")


def _row(row: dict[str, Any], lang: str, tz: str, measured: bool, target: float) -> html.Tr:
    changed = (t("sugadm.changed_by", lang).format(who=row["updated_by"], at=local_time(row["updated_at"], tz)[:16])
               if row["updated_by"] else DASH)
    never = measured and row["threshold"] is None
    return html.Tr(className="sugadm-row is-on" if row["auto_dispatch"] else "sugadm-row", children=[
        html.Td(html.Div(className="sugadm-cat", children=[html.Span(row["code"], className="sugadm-code"),
                                                           html.Span(row["name"], className="sugadm-name")])),
        # the switch's label says what it switches, for screen readers; the column head says it to the eye
        html.Td([dcc.Checklist(id={"type": ids.SWITCH, "index": row["code"]}, className="sugadm-switch",
                               options=[{"label": html.Span(t("sugadm.switch_for", lang).format(category=row["name"]),
                                                            className="sugadm-switch-label"),
                                         "value": "on"}],
                               value=["on"] if row["auto_dispatch"] else [],
                               inputClassName="sugadm-switch-input", labelClassName="sugadm-switch-box"),
                 _own_target(row, target, lang)]),
        html.Td(_threshold(row, lang, measured), className="cell-num sugadm-never" if never else "cell-num"),
        html.Td(percent(row["coverage"]), className="cell-num"),
        html.Td(percent(row["precision"]), className="cell-num"),
        html.Td(f"{row['held_out']:,}" if measured else DASH, className="cell-num"),
        html.Td(changed, className="sugadm-changed"),
    ])


def table(overview: dict, lang: str, tz: str) -> html.Table | html.P:
    if not overview["rows"]:
        return html.P(t("sugadm.empty", lang), className="sugadm-empty")
    measured = overview["model"] is not None
    head = [html.Th(t("sugadm.col.category", lang)), html.Th(t("sugadm.col.auto", lang)),
            html.Th(t("sugadm.col.threshold", lang), className="cell-num"),
            html.Th(t("sugadm.col.coverage", lang), className="cell-num", title=t("sugadm.coverage.help", lang)),
            html.Th(t("sugadm.col.precision", lang), className="cell-num", title=t("sugadm.precision.help", lang)),
            html.Th(t("sugadm.col.held_out", lang), className="cell-num"),
            html.Th(t("sugadm.col.changed", lang))]
    return html.Table(className="sugadm-table", children=[
        html.Thead(html.Tr(head)),
        html.Tbody([_row(r, lang, tz, measured, overview["target"]) for r in overview["rows"]]),
    ])


def status(change: dict, category_name: str, lang: str) -> str:
    target = target_label(change["target"])
    if not change["categories"]:
        return ""
    if change["enabled"] is None:
        return t("sugadm.status.target", lang).format(target=target, n=len(change["categories"]))
    key = "sugadm.status.on" if change["enabled"] else "sugadm.status.off"
    text = t(key, lang).format(category=category_name, target=target)
    if change["enabled"] and change.get("reachable") is False:
        text += t("sugadm.status.unreachable", lang)
    return text


def status_class(change: dict) -> str:
    return "sugadm-status is-warn" if change.get("enabled") and change.get("reachable") is False else "sugadm-status"


def refused(reason: str, lang: str) -> str:
    return t("sugadm.status.refused", lang).format(reason=reason)


def page(lang: str) -> html.Div:
    return html.Div(id=ids.PAGE, className="suggest-admin-page admin-page", children=[
        html.Div(className="page-head", children=[
            html.Div(children=[html.H1(t("sugadm.title", lang), className="page-title"),
                               html.P(t("sugadm.subtitle", lang), className="page-subtitle")]),
        ]),
        html.Div(className="sugadm-controls", children=[
            html.Div(className="sugadm-target", role="group", **{"aria-labelledby": f"{ids.TARGET}-label"}, children=[
                html.Span(t("sugadm.target", lang), id=f"{ids.TARGET}-label", className="sugadm-target-label"),
                dcc.RadioItems(id=ids.TARGET, className="sugadm-targets", inline=True, options=[]),   # the model's targets
                html.Span(t("sugadm.target.hint", lang), className="sugadm-hint"),
            ]),
            html.P(id=ids.MODEL, className="sugadm-model"),
        ]),
        html.P(id=ids.STATUS, className="sugadm-status", role="status"),
        html.Div(id=ids.TABLE, className="sugadm-table-wrap"),
        dcc.Store(id=ids.CHANGED, data=0),
        dcc.Store(id=ids.IN_FORCE),
    ])
