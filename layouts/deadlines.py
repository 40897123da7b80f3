"""Deadline pieces (issue 14): the admins' header notice that the working calendar runs out (a short
badge, the whole message as its title and accessible label), and a deadline shown with its basis
("4 工作时; 不含 1月1日 元旦") and, when the year's holidays are not known, marked provisional."""
from __future__ import annotations

from datetime import datetime

from dash import html

from dashboard.i18n import normalize, t


def calendar_notice(status: dict | None, lang: str) -> html.Span | None:
    """`status`: dashboard.services.deadline_rules.calendar_status; nothing unless it warns."""
    if not status or not status.get("warn"):
        return None
    if status.get("known_through"):
        short = t("dl.notice.ends", lang).format(date=status["known_through"])
    else:
        short = t("dl.notice.unknown", lang).format(year=status.get("next_unknown_year", ""))
    message = status["message_zh"] if normalize(lang) == "zh-CN" else status["message_en"]
    return html.Span(short, className="calendar-notice", title=message, role="note", **{"aria-label": message})


def _same_moment(a, b) -> bool:
    try:
        return datetime.fromisoformat(str(a).replace("Z", "+00:00")) == datetime.fromisoformat(str(b).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return False


def deadline_value(when: str | None, deadline_iso, details: dict | None, lang: str):
    """The deadline as shown (`when`, already formatted), with the basis the incident recorded for
    this very deadline (details["deadline_basis"]); just `when` for one set before bases were kept."""
    if not when:
        return None
    basis = (details or {}).get("deadline_basis")
    if not isinstance(basis, dict) or not _same_moment(basis.get("at"), deadline_iso):
        return when
    text = basis.get("zh") if normalize(lang) == "zh-CN" else basis.get("en")
    return html.Span([
        html.Span(when),
        html.Span(t("dl.provisional", lang), className="deadline-provisional", title=t("dl.provisional.title", lang))
        if basis.get("provisional") else None,
        html.Span(text, className="deadline-basis", title=t("dl.basis", lang)) if text else None,
    ])
