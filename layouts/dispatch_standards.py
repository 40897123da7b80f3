"""The category's standard beside the action it governs on the Dispatch page (issue 14): its 立案标准
when the dispatcher may verify (or reject) a report, its 结案标准 when they may close (or send back for
rework) a fixed case. The text is the city package's (categories.csv), as the service returns it."""
from __future__ import annotations

from dash import html

from dashboard.i18n import t

# the standard that governs each action, and which actions bring it up
WHEN = (("open", ("verify", "reject")), ("close", ("close", "rework")))


def note(standards: dict | None, allowed: list[str], lang: str) -> list:
    """Nothing when the category has no such standard or none of its actions is offered now."""
    if not standards:
        return []
    out = []
    for which, actions in WHEN:
        text = (standards.get(f"standard_{which}") or "").strip()
        if text and any(a in allowed for a in actions):
            out.append(html.Div(className=f"disp-standard disp-standard-{which}", role="note", children=[
                html.Span(t(f"disp.standard.{which}", lang), className="disp-standard-label"),
                html.Span(text, className="disp-standard-text"),
            ]))
    return out
