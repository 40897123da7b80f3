"""Photos of a case on the desk (issue 18): before and after side by side, each with its flags (taken far
from the case, before the report, without position or time), and the inspector's check (核查)."""
from __future__ import annotations

from dash import html

from dashboard.i18n import t

from .dispatch_detail import local_time


def _photo(item: dict, lang: str, timezone: str) -> html.Figure:
    flags = []
    for flag in item.get("flags") or []:
        text = t(f"ev.flag.{flag}", lang)
        if flag == "far":
            text = text.format(m=round(item.get("distance_m") or 0))
        flags.append(html.Span(text, className="ev-flag"))
    caption = [html.Span(t(f"fld.stage.{item['stage']}", lang), className="ev-stage"),
               html.Span(t("ev.taken", lang).format(at=local_time(item["taken_at"], timezone)) if item.get("taken_at")
                         else local_time(item["uploaded_at"], timezone), className="ev-time")]
    return html.Figure(className="ev-photo" + (" is-flagged" if flags else ""), **{"data-evidence": str(item["id"])},
                       children=[
        html.A(html.Img(src=item["thumb_url"], alt=t(f"fld.stage.{item['stage']}", lang)),
               href=item["url"], target="_blank", rel="noopener noreferrer"),
        html.Figcaption([*caption, *flags]),
    ])


def _column(key: str, items: list[dict], lang: str, timezone: str) -> html.Div:
    return html.Div(className=f"ev-col ev-{key}", children=[
        html.H4(t(f"ev.{key}", lang), className="ev-h4"),
        html.Div([_photo(i, lang, timezone) for i in items] or [html.Span(t("ev.none", lang), className="disp-muted")],
                 className="ev-photos"),
    ])


def verification_line(check: dict | None, required: bool, lang: str) -> html.Div | None:
    if not check and not required:
        return None
    children = [html.B(t("ev.verification", lang) + " ")]
    if check and check.get("state"):
        text = t(f"ev.verification.{check['state']}", lang).format(who=check.get("inspector") or "?",
                                                                    note=check.get("note") or "")
        children.append(html.Span(text, className=f"ev-check ev-check-{check['state']}"))
    if required:
        children.append(html.Span(t("ev.required", lang), className="ev-required"))
    return html.Div(children, className="ev-verification")


def panel(desk: dict, lang: str, timezone: str) -> list:
    """Nothing for a case without photos or check; else the section."""
    if not desk["before"] and not desk["after"] and not desk["verification"] and not desk["required"]:
        return []
    return [html.Section(className="ev-panel", **{"aria-label": t("ev.title", lang)}, children=[
        html.H3(t("ev.title", lang), className="disp-h3"),
        verification_line(desk["verification"], desk["required"], lang),
        html.Div([_column("before", desk["before"], lang, timezone), _column("after", desk["after"], lang, timezone)],
                 className="ev-side-by-side"),
    ])]
