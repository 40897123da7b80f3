"""Incidents as rows of the dispatch queue, and the row transaction that brings the grid from what it
holds to what the query answers now (so live changes never replace rowData: scroll, selection and
the person's sort stay). Pure."""
from __future__ import annotations

from typing import Any

from dashboard.domain import workflow
from dashboard.domain.city import City
from dashboard.i18n import category_name, priority_name, status_name, t

from .formatting import incident_title

ROW_FIELDS = ("id", "code", "version", "title", "status", "priority", "category", "district", "department",
              "deadline", "reported_at", "created_at", "source", "supervised")


def city_names(city: City, lang: str) -> dict[str, dict[str, str]]:
    """Department and district names in `lang`, by code."""
    return {"department": {d.code: d.name(lang) for d in city.departments},
            "district": {d.code: d.name(lang) for d in city.districts}}


def grid_row(view: dict[str, Any], lang: str, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One incident as the service shows it to this person → one row of the grid, labels in `lang`."""
    row = {k: view.get(k) for k in ROW_FIELDS}
    row.update({
        "row_id": str(view["id"]),   # AG Grid row ids are strings
        "title": incident_title(view, lang),
        "priority_label": priority_name(view["priority"], lang),
        "priority_short": priority_name(view["priority"], lang) if lang == "zh-CN" else f"P{view['priority']}",
        "category_label": category_name(view["category"], lang, view),
        "district_label": names["district"].get(view.get("district") or "", view.get("district") or ""),
        "department_label": names["department"].get(view.get("department") or "", view.get("department") or ""),
        "source_label": t(f"source.{view['source']}", lang) if view.get("source") else "",
        "open": view["status"] in workflow.OPEN_STATUSES,
        # likely duplicates (place, category, time) marked in the queue, not only inside the opened case
        "dup_label": _dup_label(view, lang),
        "status_label": status_name(view["status"], lang) + (
            f" · {t('disp.badge.supervised', lang)}" if view.get("supervised") else ""),
    })
    return row


def _dup_label(view: dict, lang: str) -> str:
    """"〔疑似重复 …003978〕": the other case of a pair by place (both members are marked), and
    "〔内容相似 …〕" for a pair by text (incident_queries.duplicate_marks); the last six digits of each number."""
    if view.get("status") not in (workflow.REPORTED, workflow.VERIFIED):
        return ""
    marks = view.get("queue_duplicates")
    if marks is None:   # listed without the marks: the pairs its own report found
        marks = [d | {"by": "place"} for d in (view.get("details") or {}).get("likely_duplicates") or []]
    parts = []
    for by, key in (("place", "disp.dup.badge"), ("text", "disp.dup.text_badge")):
        codes = [str(d["code"])[-6:] for d in marks if d.get("by") == by and d.get("code")]
        if codes:
            parts.append(t(key, lang).format(codes=", ".join(codes[:3])))
    return " ".join(parts)


def row_index(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{id: version} of rows (JSON object keys are strings); [version, mark] for a row marked as a likely
    duplicate: the other case of a pair may arrive or leave while this one's version stays."""
    return {str(r["id"]): [r["version"], r["dup_label"]] if r.get("dup_label") else r["version"] for r in rows}


def held_version(held: dict[str, Any] | None, incident_id: int, default: int | None = None) -> int | None:
    """The version of an incident as the grid holds it (row_index)."""
    value = (held or {}).get(str(incident_id), default)
    return value[0] if isinstance(value, list) else value


def transaction(held: dict[str, Any] | None, rows: list[dict[str, Any]]) -> tuple[dict | None, dict[str, Any]]:
    """The AG Grid row transaction from the rows the grid holds ({id: version}) to `rows`, and the new
    index. None when nothing changed. Rows are updated only when their version (or their mark) moved."""
    held = held or {}
    now = row_index(rows)
    add = [r for r in rows if str(r["id"]) not in held]
    update = [r for r in rows if str(r["id"]) in held and held[str(r["id"])] != now[str(r["id"])]]
    remove = [{"row_id": i} for i in held if i not in now]
    if not (add or update or remove):
        return None, now
    return {"add": add, "update": update, "remove": remove, "async": False}, now
