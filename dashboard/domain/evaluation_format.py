"""How an evaluation figure reads on the page and in the report: rates as percentages, times in
minutes, hours or days, changes with their sign. Pure (the catalog is data)."""
from __future__ import annotations

from dashboard.i18n import t

from .evaluation import FIGURES_BY_KEY


def format_duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return t("rev.unit.min", lang).format(n=round(seconds / 60))
    if seconds < 3 * 86400:
        return t("rev.unit.h", lang).format(n=f"{seconds / 3600:.1f}")
    return t("rev.unit.d", lang).format(n=f"{seconds / 86400:.1f}")


def format_figure(key: str, value, lang: str) -> str:
    if value is None:
        return "—"
    kind = FIGURES_BY_KEY[key].kind if key in FIGURES_BY_KEY else "count"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "duration":
        return format_duration(value, lang)
    return f"{int(value):,}"


def format_change(key: str, delta, lang: str) -> str:
    """'+2.5 pt' for rates, '+3' for counts, '+1.2 h' for durations; '' when there is nothing to compare."""
    if delta is None:
        return ""
    kind = FIGURES_BY_KEY[key].kind if key in FIGURES_BY_KEY else "count"
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"   # ASCII: the PDF CID font has no U+2212
    if kind == "rate":
        return f"{sign}{abs(delta) * 100:.1f} pt"
    if kind == "duration":
        return sign + format_duration(abs(delta), lang)
    return f"{sign}{abs(int(delta)):,}"


def change_is_good(key: str, delta) -> bool | None:
    figure = FIGURES_BY_KEY.get(key)
    if delta is None or not delta or figure is None or figure.higher_is_better is None:
        return None
    return (delta > 0) == figure.higher_is_better
