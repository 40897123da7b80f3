"""Columns and rows of the city reference page, and its calendar and summary, from what
dashboard.services.reference_page returns. Pure: no callbacks, no IO."""
from __future__ import annotations

from typing import Any

from dash import html

from dashboard.domain.deadlines import HOURS, WORK_DAYS, WORK_HOURS
from dashboard.i18n import normalize, priority_name, t

from .formatting import local_time

UNIT_WORDS = {HOURS: ("小时", "h"), WORK_HOURS: ("工作时", "working h"), WORK_DAYS: ("工作日", "working days")}
LEVEL_KEYS = {"市级": "ref.level.city", "区级": "ref.level.district"}


def _zh(lang: str) -> bool:
    return normalize(lang) == "zh-CN"


def _col(field: str, key: str, lang: str, **more) -> dict[str, Any]:
    return {"field": field, "headerName": t(key, lang), "tooltipField": field, **more}


def _name(row: dict, lang: str, prefix: str = "name") -> str:
    return row.get(f"{prefix}_zh" if _zh(lang) else f"{prefix}_en") or row.get(f"{prefix}_zh") or ""


def _other(row: dict, lang: str) -> str:
    return row.get("name_en" if _zh(lang) else "name_zh") or ""


def _state(retired: bool, lang: str) -> str:
    return t("ref.retired" if retired else "ref.active", lang)


def _yes(value: bool, lang: str) -> str:
    return t("ref.yes" if value else "ref.no", lang)


def limit_text(limit: dict | None, lang: str) -> str:
    """"4 工作时" / "4 working h"."""
    if not limit:
        return ""
    amount = limit["amount"]
    number = int(amount) if amount == int(amount) else amount
    word = UNIT_WORDS.get(limit["unit"], (limit["unit"], limit["unit"]))[0 if _zh(lang) else 1]
    return f"{number} {word}"


# -- districts --------------------------------------------------------------------------------------
def district_columns(lang: str) -> list[dict]:
    return [_col("code", "ref.col.code", lang, width=110, cellClass="cell-num"),
            _col("name", "ref.col.name", lang, flex=1, minWidth=120),
            _col("other", "ref.col.name_other", lang, flex=1, minWidth=120),
            _col("state", "ref.col.state", lang, width=90)]


def district_rows(data: dict, lang: str) -> list[dict]:
    return [{"code": d["code"], "name": _name(d, lang), "other": _other(d, lang), "state": _state(d["retired"], lang)}
            for d in data["districts"]]


# -- departments ------------------------------------------------------------------------------------
def department_columns(lang: str) -> list[dict]:
    return [_col("code", "ref.col.code", lang, width=110, cellClass="cell-num"),
            _col("name", "ref.col.name", lang, flex=2, minWidth=160),
            _col("other", "ref.col.name_other", lang, flex=2, minWidth=160),
            _col("level", "ref.col.level", lang, width=90),
            _col("districts", "ref.col.districts", lang, flex=2, minWidth=160),
            _col("contact", "ref.col.contact", lang, flex=2, minWidth=160),
            _col("state", "ref.col.state", lang, width=90)]


def department_rows(data: dict, lang: str) -> list[dict]:
    names = {d["code"]: _name(d, lang) for d in data["districts"]}
    return [{"code": d["code"], "name": _name(d, lang), "other": _other(d, lang),
             "level": t(LEVEL_KEYS[d["level"]], lang) if d["level"] in LEVEL_KEYS else d["level"],
             "districts": "、".join(names.get(c, c) for c in d["districts"]) if d["districts"] else t("ref.whole_city", lang),
             "contact": d["contact"], "state": _state(d["retired"], lang)} for d in data["departments"]]


# -- taxonomy ---------------------------------------------------------------------------------------
def taxonomy_columns(lang: str) -> list[dict]:
    limits = [_col(f"p{p}", "ref.col.limit", lang, width=118) | {"headerName": t("ref.col.limit", lang).format(
        p=priority_name(p, lang))} for p in range(1, 5)]
    return [_col("code", "ref.col.code", lang, width=90, cellClass="cell-num", pinned="left"),
            _col("kind", "ref.col.kind", lang, width=100),
            _col("group", "ref.col.group", lang, width=120),
            _col("name", "ref.col.category", lang, width=150, pinned="left"),
            _col("priority", "ref.col.priority", lang, width=100),
            *limits,
            _col("standard_open", "ref.col.standard_open", lang, flex=2, minWidth=260, wrapText=True, autoHeight=True),
            _col("standard_close", "ref.col.standard_close", lang, flex=2, minWidth=260, wrapText=True, autoHeight=True),
            _col("reportable", "ref.col.reportable", lang, width=100),
            _col("state", "ref.col.state", lang, width=90)]


def taxonomy_rows(data: dict, lang: str) -> list[dict]:
    rows = []
    for c in data["categories"]:
        limits = c.get("limits_in_force") or {}
        rows.append({"code": c["code"], "kind": c["kind_label"], "group": _name(c, lang, "group"),
                     "name": _name(c, lang), "priority": priority_name(c["default_priority"], lang),
                     **{f"p{p}": limit_text(limits.get(f"p{p}"), lang) for p in range(1, 5)},
                     "standard_open": c["standard_open"], "standard_close": c["standard_close"],
                     "reportable": _yes(c["reportable"], lang), "state": _state(c["retired"], lang)})
    return rows


# -- routing ----------------------------------------------------------------------------------------
def routing_columns(lang: str) -> list[dict]:
    return [_col("rule", "ref.col.rule", lang, flex=1, minWidth=160),
            _col("district", "ref.col.district", lang, width=140),
            _col("department", "ref.col.department", lang, flex=1, minWidth=160),
            _col("auto", "ref.col.auto", lang, width=100),
            _col("why", "ref.col.why", lang, flex=3, minWidth=300)]


def routing_rows(data: dict, lang: str) -> list[dict]:
    districts = {d["code"]: _name(d, lang) for d in data["districts"]}
    departments = {d["code"]: _name(d, lang) for d in data["departments"]}
    categories = {c["code"]: _name(c, lang) for c in data["categories"]}
    rows = []
    for i, r in enumerate(data["routing"]):
        if r["is_group"]:
            rule = t("ref.rule.group", lang).format(group=r["category"].split(":", 1)[-1])
        else:
            rule = t("ref.rule.category", lang).format(category=f"{r['category']} {categories.get(r['category'], '')}".strip())
        rows.append({"id": i, "rule": rule,
                     "district": districts.get(r["district"], r["district"]) if r["district"] else t("ref.whole_city", lang),
                     "department": f"{r['department']} {departments.get(r['department'], '')}".strip(),
                     "auto": _yes(r["auto_dispatch"], lang), "why": r["why_zh"] if _zh(lang) else r["why_en"]})
    return rows


# -- calendar ---------------------------------------------------------------------------------------
def calendar(data: dict, lang: str) -> list:
    years = data.get("calendar_in_force") or []
    periods = ("、" if _zh(lang) else ", ").join(f"{a}–{b}" for a, b in data.get("working_periods") or [])
    out: list = [html.P(t("ref.cal.hours", lang).format(periods=periods), className="ref-cal-hours")]
    if not years:
        out.append(html.P(t("ref.cal.unknown", lang), className="ref-cal-warn", role="note"))
        return out
    items = []
    last = max(y["year"] for y in years)
    items.append(html.Li(className="ref-year ref-year-unknown", **{"data-year": str(last + 1)}, children=[
        html.Span(t("ref.cal.year", lang).format(year=last + 1), className="ref-year-name"),
        html.Span(t("ref.cal.unknown_year", lang), className="ref-badge ref-badge-unknown"),
        html.Span(t("ref.cal.unknown_year.note", lang), className="ref-year-counts")]))
    for y in sorted(years, key=lambda y: -y["year"]):   # the newest first: the years that matter now
        status = y["status"] if y["status"] in ("official", "estimated") else "estimated"
        items.append(html.Li(className=f"ref-year ref-year-{status}", **{"data-year": str(y["year"])}, children=[
            html.Span(t("ref.cal.year", lang).format(year=y["year"]), className="ref-year-name"),
            html.Span(t(f"ref.cal.{status}", lang), className=f"ref-badge ref-badge-{status}"),
            html.Span(t("ref.cal.from_package" if y.get("from_package") else "ref.cal.built_in", lang),
                      className="ref-year-origin"),
            html.Span(t("ref.cal.counts", lang).format(holidays=len(y["holidays"]), workdays=len(y["workdays"])),
                      className="ref-year-counts"),
            html.Span(t("ref.cal.source", lang).format(source=y["source"]) if y["source"] else t("ref.cal.no_source", lang),
                      className="ref-year-source"),
        ]))
    out.append(html.Ul(items, className="ref-years"))
    if any(y["status"] != "official" for y in years):
        out.append(html.P(t("ref.cal.estimated_note", lang), className="ref-cal-note", role="note"))
    return out


# -- import history ---------------------------------------------------------------------------------
def history_columns(lang: str) -> list[dict]:
    return [_col("at", "ref.col.at", lang, width=190, cellClass="cell-num"),
            _col("actor", "ref.col.actor", lang, width=160),
            _col("version", "ref.col.version", lang, width=170),
            _col("checksum", "ref.col.checksum", lang, width=150, cellClass="cell-num", tooltipField="checksum_full"),
            _col("counts", "ref.col.counts", lang, flex=1, minWidth=300, wrapText=True, autoHeight=True)]


def _counts(summary: dict | None, lang: str) -> str:
    parts = []
    for kind, counts in (summary or {}).items():
        words = [f"{t(f'ref.count.{k}', lang)} {n}" for k, n in (counts or {}).items() if n]
        if words:
            parts.append(f"{kind}: {', '.join(words)}")
    return "; ".join(parts)


def history_rows(data: dict, lang: str, timezone: str) -> list[dict]:
    return [{"id": h["id"], "at": local_time(h["at"], timezone) if h.get("at") else "", "actor": h["actor"],
             "version": h["package_version"], "checksum": (h["checksum"] or "")[:12], "checksum_full": h["checksum"],
             "counts": _counts(h.get("summary"), lang)} for h in data.get("history") or []]


def summary(data: dict, lang: str) -> str:
    active = [d for d in data["departments"] if not d["retired"]]
    return t("ref.summary", lang).format(
        name=data["name_zh"] if _zh(lang) else data["name_en"], version=data["version"] or "–",
        districts=sum(1 for d in data["districts"] if not d["retired"]), departments=len(active),
        categories=sum(1 for c in data["categories"] if not c["retired"]), rules=len(data["routing"]),
        segments=data["counts"]["segments"], stations=data["counts"]["stations"])
