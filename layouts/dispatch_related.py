"""The detail's lower parts: routing suggestion, likely duplicates side by side (with merge), merged
reports, and the timeline of every action."""
from __future__ import annotations

from dash import html

from dashboard.i18n import priority_name, status_name, t

from .dispatch_detail import DASH, local_time, safe_link
from .ids import dispatch as ids


def routing(view: dict, lang: str, names: dict) -> html.Section:
    departments = names["department"]
    suggested = view.get("suggested_department")
    lines = []
    if view.get("department"):
        lines.append(html.Div(t("disp.route.current", lang).format(
            department=departments.get(view["department"], view["department"]))))
    if suggested:
        lines.append(html.Div(t("disp.route.suggested", lang).format(
            department=departments.get(suggested, suggested)), className="disp-suggested"))
    else:
        lines.append(html.Div(t("disp.route.none", lang), className="disp-muted"))
    return html.Section(className="disp-routing", children=[html.H3(t("disp.route.title", lang), className="disp-h3"),
                                                            *lines])


def _card(view: dict, lang: str, timezone: str, title_key: str) -> html.Div:
    media = safe_link((view.get("details") or {}).get("media_url"))
    return html.Div(className="disp-dup-card", children=[
        html.Div(t(title_key, lang), className="disp-dup-label"),
        html.Div([html.Span(view.get("code") or str(view["id"]), className="disp-mono"), " · ",
                  status_name(view["status"], lang), " · ", priority_name(view["priority"], lang)],
                 className="disp-dup-meta"),
        html.Div(view.get("title") or DASH, className="disp-dup-title"),
        html.Div(view.get("description") or DASH, className="disp-dup-text"),
        html.Div([view.get("address") or DASH, " · ", local_time(view.get("reported_at"), timezone)],
                 className="disp-dup-meta"),
        html.A(t("disp.rec.media_open", lang), href=media, target="_blank", rel="noopener noreferrer")
        if media else None,
    ])


MAX_DUPLICATES = 6


def duplicates(view: dict, found: list[tuple[dict, dict | None]], lang: str, timezone: str) -> html.Section | None:
    """This incident beside the likely duplicates this person may see (nearest first), each with a merge
    button. `found`: (the service's likely-duplicate entry, the duplicate as this person may see it, or None)."""
    visible = [(entry, other) for entry, other in found if other is not None]
    if not visible:
        return None
    can_merge = "merge" in (view.get("allowed_actions") or [])
    others = []
    for entry, other in visible[:MAX_DUPLICATES]:
        code = other.get("code") or str(other["id"])
        # final: confirmed first, then sent only after an undo window (assets/dispatch-undo.js)
        merge = html.Button(t("disp.dup.merge", lang), id={"type": ids.MERGE_TYPE, "into": other["id"]}, n_clicks=0,
                            className="disp-btn disp-btn-primary disp-merge",
                            **{"data-confirm-text": t("disp.dup.merge_confirm", lang).format(code=code),
                               "data-undo-text": t("disp.undo.merge", lang).format(code=code),
                               "data-undo-label": t("disp.undo", lang)}) if can_merge else None
        others.append(html.Div(className="disp-dup", children=[
            _card(other, lang, timezone, "disp.dup.other"),
            html.Div(className="disp-dup-foot", children=[
                html.Span(t("disp.dup.distance", lang).format(m=entry.get("distance_m", DASH)), className="disp-muted"),
                merge]),
        ]))
    if len(visible) > MAX_DUPLICATES:
        others.append(html.Div(t("disp.dup.more", lang).format(n=len(visible) - MAX_DUPLICATES),
                               className="disp-muted"))
    if len(found) > len(visible):   # another department's, or gone: counted, nothing of them shown
        others.append(html.Div(t("disp.dup.hidden", lang).format(n=len(found) - len(visible)), className="disp-muted"))
    return html.Section(className="disp-dups", children=[
        html.H3(t("disp.dup.title", lang), className="disp-h3"),
        html.Div(className="disp-dup-pair", children=[
            _card(view, lang, timezone, "disp.dup.this"), html.Div(others, className="disp-dup-list")]),
    ])


def merged_reports(view: dict, lang: str) -> html.Section | None:
    merged = (view.get("details") or {}).get("merged") or []
    if not merged:
        return None
    items = []
    for m in merged:
        media = safe_link(m.get("media_url"))
        items.append(html.Li([html.Span(m.get("code") or str(m.get("id")), className="disp-mono"), " · ",
                              m.get("description") or DASH,
                              html.A(t("disp.rec.media_open", lang), href=media, target="_blank",
                                     rel="noopener noreferrer", className="disp-inline-link") if media else None]))
    return html.Section(className="disp-merged", children=[html.H3(t("disp.merged.title", lang), className="disp-h3"),
                                                           html.Ul(items, className="disp-merged-list")])


ROUTING_ACTIONS = frozenset({"verify", "dispatch", "reassign"})   # where a routing suggestion helps


def related(view: dict, found: list, lang: str, names: dict, timezone: str) -> list:
    show_routing = bool(ROUTING_ACTIONS & set(view.get("allowed_actions") or []))
    return [part for part in (routing(view, lang, names) if show_routing else None,
                              duplicates(view, found, lang, timezone), merged_reports(view, lang)) if part is not None]


def _entry_details(entry: dict, lang: str, names: dict, timezone: str) -> list:
    d = entry.get("details") or {}
    out = []
    if entry["action"] in ("dispatch", "reassign") and d.get("department"):
        out.append(names["department"].get(d["department"], d["department"]))
    if d.get("deadline"):
        out.append(t("disp.hist.deadline", lang).format(at=local_time(d["deadline"], timezone)))
    for key in ("text", "note"):
        if d.get(key):
            out.append(str(d[key]))
    link = safe_link(d.get("evidence_url"))
    if link:
        out.append(html.A(t("disp.hist.evidence", lang), href=link, target="_blank", rel="noopener noreferrer"))
    if d.get("into"):
        out.append(f"→ #{d['into']}")
    return out


def timeline(history: list[dict], lang: str, names: dict, timezone: str) -> list:
    items = []
    for entry in reversed(history):    # newest first: what just happened is what a dispatcher checks
        moved = entry.get("from_status") and entry["from_status"] != entry["to_status"]
        status = (f"{status_name(entry['from_status'], lang)} → {status_name(entry['to_status'], lang)}" if moved
                  else status_name(entry["to_status"], lang))
        extra = _entry_details(entry, lang, names, timezone)
        items.append(html.Li(className=f"disp-event disp-event-{entry['action']}", children=[
            html.Div(className="disp-event-line", children=[
                html.Time(local_time(entry.get("at"), timezone), dateTime=entry.get("at"), className="disp-mono"),
                html.Span(t(f"disp.action.{entry['action']}", lang), className="disp-event-action"),
                html.Span(status, className="disp-event-status"),
                html.Span(f"{entry.get('actor')} · v{entry.get('version')}", className="disp-event-actor"),
            ]),
            html.Div(entry["reason"], className="disp-event-reason") if entry.get("reason") else None,
            html.Div([x if i == 0 else html.Span([" · ", x]) for i, x in enumerate(extra)],
                     className="disp-event-details") if extra else None,
        ]))
    return items
