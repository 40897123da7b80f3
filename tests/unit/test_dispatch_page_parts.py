"""The Dispatch page's pure parts: grid rows and the row transaction that keeps the person's place,
action forms → service arguments, key bindings, filter arguments, time and link helpers, and the
component trees in both languages (no untranslated key, no Chinese on the English screen)."""
from __future__ import annotations

import re

import pytest

from callbacks.dispatch import query_args, total_text
from callbacks.dispatch_bulk import bulk_params
from dashboard.domain import workflow
from dashboard.i18n import LANGS, t
from dashboard.services.incident_queries import parse_filters
from layouts import dispatch, dispatch_feedback
from layouts.dispatch_actions import SPECS, action_bar, action_request, field_values, keys_for_role
from layouts.dispatch_detail import head, local_time, record, safe_link
from layouts.dispatch_related import related, timeline
from layouts.dispatch_rows import city_names, grid_row, transaction
from layouts.geo import city_bounds, districts_geojson

KEY_SHAPE = re.compile(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def view(**changes) -> dict:
    """An incident as incident_queries shows it."""
    base = {"id": 7, "code": "20260101000007", "version": 3, "title": "Manhole cover broken", "status": "verified",
            "priority": 2, "category": "0101", "district": "D1", "department": None, "deadline": None,
            "created_at": "2026-01-01T02:00:00+00:00", "reported_at": "2026-01-01T02:00:00+00:00",
            "source": "manual", "source_ref": "wang:1", "supervised": False, "description": "Open hole",
            "address": "1 West Rd", "lat": 32.05, "lon": 118.75, "reporter_name": "Z**",
            "reporter_phone": "138****5678",
            "details": {"likely_duplicates": [{"id": 8, "code": "X8", "distance_m": 12.5}]},
            "allowed_actions": ["dispatch", "merge", "reprioritize", "comment", "supervise"],
            "suggested_department": "CG", "merged_into": None}
    return base | changes


def texts(component) -> list[str]:
    if component is None:
        return []
    if isinstance(component, (str, int, float)):
        return [str(component)]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in texts(c)]
    out = []
    for attr in ("children", "title", "placeholder", "aria-label"):
        value = getattr(component, attr, None)
        out += [value] if isinstance(value, str) else (texts(value) if attr == "children" else [])
    for option in getattr(component, "options", None) or []:
        if isinstance(option, dict) and isinstance(option.get("label"), str):
            out.append(option["label"])
    return out


# -- rows and transactions ------------------------------------------------------------------------
def test_grid_rows_carry_string_ids_and_labels_in_the_language(small_city):
    for lang in LANGS:
        row = grid_row(view(department="CG"), lang, city_names(small_city, lang))
        assert row["row_id"] == "7" and row["version"] == 3 and row["open"] is True
        assert row["status_label"] == t("status.verified", lang)
        assert row["department_label"] == small_city.departments[0].name(lang)
        assert row["district_label"] == small_city.districts[0].name(lang)
    assert grid_row(view(status="closed"), "en", city_names(small_city, "en"))["open"] is False


def test_the_transaction_adds_updates_and_removes_only_what_changed():
    rows = [{"id": 1, "version": 1}, {"id": 2, "version": 5}, {"id": 4, "version": 1}]
    tx, index = transaction({"1": 1, "2": 4, "3": 2}, rows)
    assert [r["id"] for r in tx["add"]] == [4]
    assert [r["id"] for r in tx["update"]] == [2]                # version moved
    assert tx["remove"] == [{"row_id": "3"}]                     # no longer matches the filters
    assert index == {"1": 1, "2": 5, "4": 1}
    assert transaction(index, rows) == (None, index)             # nothing changed: nothing sent
    tx, _ = transaction(None, rows)
    assert len(tx["add"]) == 3 and not tx["update"] and not tx["remove"]


# -- actions --------------------------------------------------------------------------------------
def test_every_action_the_page_offers_is_a_workflow_action_with_one_key_per_role():
    assert set(SPECS) <= set(workflow.TRANSITIONS) and "merge" not in SPECS
    for role in (workflow.DISPATCHER, workflow.OPERATOR, workflow.ADMIN):
        keys = [k for k, _ in keys_for_role(role)]
        assert len(keys) == len(set(keys)) and all(len(k) == 1 and k not in "jkx/" for k in keys)
    operator = dict(keys_for_role(workflow.OPERATOR))
    assert operator == {"a": "accept", "f": "report_fixed", "p": "progress", "t": "return", "n": "comment"}
    dispatcher = dict(keys_for_role(workflow.DISPATCHER))
    assert dispatcher["v"] == "verify" and dispatcher["d"] == "dispatch" and dispatcher["c"] == "close"
    assert "a" not in dispatcher and "f" not in dispatcher


def test_a_form_becomes_the_service_arguments():
    reason, params, missing = action_request("dispatch", {"department": "CG", "deadline": "", "reason": "  urgent "})
    assert (reason, params, missing) == ("urgent", {"department": "CG"}, [])
    reason, params, missing = action_request("report_fixed", {"note": " ", "evidence_url": "https://x/y.jpg"})
    assert missing == ["note"] and params == {"evidence_url": "https://x/y.jpg"} and reason is None
    assert action_request("reprioritize", {"priority": "1", "stray": "x"})[1] == {"priority": 1}
    assert action_request("reject", {"reason": None})[2] == ["reason"]
    states = [{"id": {"type": "disp-field", "action": "reject", "name": "reason"}, "value": "dup"},
              {"id": {"type": "disp-field", "action": "comment", "name": "text"}, "value": "hi"}]
    assert field_values(states, "reject") == {"reason": "dup"}


def test_bulk_dispatch_routes_by_rule_unless_a_department_is_chosen():
    assert bulk_params("auto", None) == {}
    assert bulk_params("CG", "2026-01-02T10:00") == {"department": "CG", "deadline": "2026-01-02T10:00"}


# -- filters, times, links -------------------------------------------------------------------------
def test_filter_controls_become_a_query_the_service_accepts():
    args = query_args(["reported", "verified"], ["0101"], None, ["CG"], [1, 2], None, ["overdue"], "  井盖 ")
    filters = parse_filters(args)
    assert filters["statuses"] == ["reported", "verified"] and filters["priorities"] == [1, 2]
    assert filters["departments"] == ["CG"] and filters["text"] == "井盖" and "overdue_at" in filters
    assert filters["limit"] == 500 and filters["order"] == "urgent"   # most urgent, then longest waiting
    assert "statuses" not in parse_filters(query_args(None, None, None, None, None, None, [], ""))
    assert total_text(500, 1234, "en") == "First 500 of 1234; narrow the filters"
    assert total_text(3, 3, "zh-CN") == "共 3 件"


def test_times_are_the_city_clock_and_only_web_links_are_links():
    assert local_time("2026-01-01T02:00:00+00:00", "Asia/Shanghai") == "01-01 10:00"
    assert local_time("2026-01-01T02:00:00+00:00", "Asia/Shanghai", with_year=True) == "2026-01-01 10:00"
    assert local_time(None, "Asia/Shanghai") == "–"
    assert safe_link("https://example.org/a.jpg") == "https://example.org/a.jpg"
    assert safe_link("javascript:alert(1)") is None and safe_link(None) is None


# -- component trees in both languages --------------------------------------------------------------
def _no_keys_and_no_chinese_in_english(parts, lang, allowed=()):
    shown = texts(parts)
    assert shown
    assert [s for s in shown if KEY_SHAPE.match(s)] == []
    if lang == "en":
        assert [s for s in shown if CHINESE.search(s) and s not in allowed] == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role,department", [("dispatcher", None), ("operator", "CG")])
def test_the_page_renders_in_each_language_for_each_role(lang, role, department, small_city):
    page = dispatch.page(lang, small_city, districts_geojson(small_city), city_bounds(small_city), "Asia/Shanghai",
                         "", "wang", role, department)
    _no_keys_and_no_chinese_in_english(page, lang)
    config = next(c for c in page.children if getattr(c, "id", None) == "disp-config").data
    assert {v["key"] for v in config["builtin"]} <= set(config["labels"])
    for v in config["builtin"]:
        assert set(v["filters"].get("status", [])) <= set(workflow.STATUSES)


@pytest.mark.parametrize("lang", LANGS)
def test_the_detail_renders_every_action_and_the_timeline(lang, small_city):
    names = city_names(small_city, lang)
    context = {"departments": [(d.code, d.name(lang)) for d in small_city.departments], "suggested": "CG",
               "department": None, "priority": 2, "default_deadline": "2026-01-02 10:00"}
    duplicate = view(id=8, code="X8", status="reported", title="Another report")
    steps = [("report", None, "reported", {}), ("verify", "reported", "verified", {}),
             ("dispatch", "verified", "dispatched", {"department": "CG", "deadline": "2026-01-02T02:00:00+00:00"}),
             ("report_fixed", "accepted", "fixed", {"note": "done", "evidence_url": "https://x/y.jpg"})]
    history = [{"version": v, "action": a, "from_status": f, "to_status": s, "actor": "wang",
                "at": "2026-01-01T02:00:00+00:00", "reason": None, "details": d}
               for v, (a, f, s, d) in enumerate(steps, 1)]
    parts = [head(view(), lang), action_bar(list(SPECS), lang, context), record(view(), lang, names, "Asia/Shanghai"),
             related(view(), [(view()["details"]["likely_duplicates"][0], duplicate)], lang, names, "Asia/Shanghai"),
             timeline(history, lang, names, "Asia/Shanghai")]
    # the incident's own words stay as reported (here English); the screen around them is translated
    _no_keys_and_no_chinese_in_english(parts, lang)
    assert any(getattr(b, "id", None) == {"type": "disp-merge", "into": 8} for b in _walk(parts))


@pytest.mark.parametrize("lang", LANGS)
def test_a_conflict_says_who_changed_what_and_when(lang):
    details = {"current_version": 4, "changes": [
        {"version": 4, "action": "verify", "actor": "li", "at": "2026-01-01T02:00:00+00:00", "to_status": "verified",
         "reason": None}]}
    shown = " ".join(texts(dispatch_feedback.refused(409, "changed", details, lang, "Asia/Shanghai", "X7", 3)))
    assert "li" in shown and t("disp.action.verify", lang) in shown and "01-01 10:00" in shown
    assert "3" in shown and "4" in shown and t("status.verified", lang) in shown
    refused = " ".join(texts(dispatch_feedback.refused(403, "a leader may not", {}, lang, "Asia/Shanghai", "X7", 3)))
    assert t("disp.err.forbidden", lang) in refused and "a leader may not" in refused


def _walk(component):
    if isinstance(component, (list, tuple)):
        for c in component:
            yield from _walk(c)
    elif component is not None and hasattr(component, "children"):
        yield component
        yield from _walk(component.children)


def test_duplicates_another_department_owns_are_counted_not_shown(small_city):
    names = city_names(small_city, "en")
    hidden = [({"id": 9, "code": "SECRET9", "distance_m": 3.0}, None)]
    shown = " ".join(texts(related(view(), hidden, "en", names, "Asia/Shanghai")))
    # nothing visible: no section at all
    assert "SECRET9" not in shown and t("disp.dup.hidden", "en").format(n=1) not in shown
    both = hidden + [({"id": 8, "code": "X8", "distance_m": 12.5}, view(id=8, code="X8"))]
    shown = " ".join(texts(related(view(), both, "en", names, "Asia/Shanghai")))
    assert "SECRET9" not in shown and "X8" in shown and t("disp.dup.hidden", "en").format(n=1) in shown
