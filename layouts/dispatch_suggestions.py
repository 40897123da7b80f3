"""The dispatch detail's suggestion panel (智能派单): the top categories and departments with their
calibrated confidence, the routing rule and similar closed cases as the reason, open cases that read
alike (with the merge button the detail already wires), and a mark when CityOps dispatched by itself.
No callbacks, no IO: the callback passes what dashboard.services.suggest computed."""
from __future__ import annotations

from dash import html

from dashboard.i18n import t

from .ids import dispatch as ids


def _pct(p: float) -> str:
    return f"{100 * p:.0f} %" if p >= 0.01 else "<1 %"


def _ranked(items: list[dict], label_key: str, lang: str) -> html.Div:
    rows = []
    for k, item in enumerate(items):
        rows.append(html.Li(className="sug-row" + (" sug-top" if k == 0 else ""), children=[
            html.Span(item.get("name") or item["code"], className="sug-name"),
            html.Span(className="sug-bar", children=html.Span(className="sug-fill",
                                                              style={"width": f"{max(2, round(100 * item['p']))}%"})),
            html.Span(_pct(item["p"]), className="sug-p disp-mono"),
        ]))
    return html.Div(className="sug-block", children=[html.Div(t(label_key, lang), className="disp-dup-label"),
                                                     html.Ol(rows, className="sug-list")])


def panel(suggestion: dict | None, view: dict, lang: str, names: dict) -> html.Section | None:
    if not suggestion:
        return None
    departments = names.get("department", {})
    parts = [html.H3([t("sug.title", lang), " ",
                      html.Span(t("sug.model", lang).format(v=suggestion.get("model_version")), className="disp-muted")],
                     className="disp-h3")]
    if suggestion.get("auto_dispatched"):
        parts.append(html.Div(t("sug.auto", lang), className="sug-auto", role="note"))
    parts.append(html.Div(className="sug-columns", children=[
        _ranked(suggestion.get("categories") or [], "sug.categories", lang),
        _ranked(suggestion.get("departments") or [], "sug.departments", lang)]))
    rule = (suggestion.get("rule") or {}).get("text")
    if rule:
        parts.append(html.Div(t("sug.rule", lang).format(text=rule), className="sug-reason"))
    similar = suggestion.get("similar") or []
    if similar:
        parts.append(html.Div(className="sug-reason", children=[
            html.Div(t("sug.similar", lang), className="disp-dup-label"),
            html.Ul([html.Li(t("sug.similar_item", lang).format(
                id=s["id"], department=departments.get(s.get("department"), s.get("department")), s=s["similarity"]))
                for s in similar], className="sug-similar")]))
    duplicates = suggestion.get("duplicates") or []
    if duplicates:
        can_merge = "merge" in (view.get("allowed_actions") or [])
        parts.append(html.Div(className="sug-reason", children=[
            html.Div(t("sug.duplicates", lang), className="disp-dup-label"),
            html.Ul([html.Li([
                t("sug.duplicate_item", lang).format(code=d.get("code") or f"#{d['id']}", m=d["distance_m"],
                                                     s=d["similarity"]), " ",
                html.Button(t("disp.dup.merge", lang), id={"type": ids.MERGE_TYPE, "into": d["id"]}, n_clicks=0,
                            className="disp-btn disp-merge") if can_merge else None])
                for d in duplicates], className="sug-similar")]))
    return html.Section(className="disp-suggest", children=parts)
