"""What the person is told after an action: done, a version conflict with what changed meanwhile (who,
what, when), or why it was refused. Also the per-incident report of a bulk dispatch."""
from __future__ import annotations

from dash import html

from dashboard.i18n import status_name, t
from dashboard.reasons import localize_reason

from .dispatch_detail import local_time

HEADLINES = {403: "disp.err.forbidden", 404: "disp.err.not_found", 422: "disp.err.invalid",
             503: "disp.err.unavailable"}


def done(action: str, incident: dict, lang: str) -> html.Div:
    text = t("disp.done", lang).format(action=t(f"disp.action.{action}", lang), v=incident["version"])
    return html.Div(text, className="disp-msg disp-msg-ok", role="status")


def missing(fields: list[str], lang: str) -> html.Div:
    names = "、".join if lang == "zh-CN" else ", ".join
    text = t("disp.err.required", lang).format(field=names(t(f"disp.field.{f}", lang) for f in fields))
    return html.Div(text, className="disp-msg disp-msg-error", role="alert")


def change_lines(changes: list[dict], lang: str, timezone: str) -> list[html.Li]:
    return [html.Li([html.Time(local_time(c.get("at"), timezone), className="disp-mono"), " ",
                     html.B(c.get("actor") or "?"), " · ", t(f"disp.action.{c.get('action')}", lang), " → ",
                     status_name(c.get("to_status") or "", lang),
                     f" · {c['reason']}" if c.get("reason") else ""]) for c in changes]


def refused(status: int, message: str, details: dict, lang: str, timezone: str, code: str,
            seen: int | None) -> html.Div:
    if status == 409:
        text = t("disp.err.conflict", lang).format(code=code, seen=seen, now=details.get("current_version"))
        return html.Div(className="disp-msg disp-msg-conflict", role="alert", children=[
            html.Div(text, className="disp-msg-head"),
            html.Div(t("disp.err.changes", lang), className="disp-msg-sub"),
            html.Ul(change_lines(details.get("changes") or [], lang, timezone), className="disp-msg-changes"),
        ])
    return html.Div(className="disp-msg disp-msg-error", role="alert", children=[
        html.Div(t(HEADLINES.get(status, "disp.err.invalid"), lang), className="disp-msg-head"),
        html.Div(localize_reason(message, lang), className="disp-msg-detail"),   # the service's own reason
    ])


def bulk_report(results: list[dict], lang: str, timezone: str) -> list:
    """results: {code, ok, department?, status?, message?, details?, seen?} per incident."""
    ok = sum(1 for r in results if r["ok"])
    lines = []
    for r in results:
        if r["ok"]:
            body = t("disp.bulk.ok", lang).format(department=r.get("department") or "")
        elif r["status"] == 409:
            body = [t("disp.err.conflict", lang).format(code=r["code"], seen=r.get("seen"),
                                                       now=r["details"].get("current_version")),
                    html.Ul(change_lines(r["details"].get("changes") or [], lang, timezone),
                            className="disp-msg-changes")]
        else:
            body = f"{t(HEADLINES.get(r['status'], 'disp.err.invalid'), lang)}: {localize_reason(r.get('message'), lang)}"
        lines.append(html.Li(className="disp-bulk-ok" if r["ok"] else "disp-bulk-failed",
                             children=[html.Span(r["code"], className="disp-mono"), " ", html.Span(body)]))
    head = t("disp.bulk.result", lang).format(ok=ok, failed=len(results) - ok)
    return [html.Div(head, className="disp-msg-head"), html.Ul(lines, className="disp-bulk-lines")]
