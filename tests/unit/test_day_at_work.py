"""Issue 16 ("a day at work"): the pure parts — the queue lands on the work that needs the person, urgent
and oldest first, with the citizen's time; the remembered view; /dispatch?incident=…; error pages in
the screen's language; text the system composes in the screen's language; the review's hot spots named."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from callbacks.dispatch import query_args
from dashboard.domain import permissions, workflow
from dashboard.services.incident_queries import parse_filters
from layouts import dispatch
from layouts.dispatch_queue import columns
from layouts.dispatch_rows import city_names, grid_row
from layouts.errors import error_page
from layouts.formatting import incident_title
from layouts.shell import person_label
from tests.unit.test_dispatch_page_parts import texts, view

CHINESE = re.compile(r"[\u4e00-\u9fff]")


# -- item 2: one meaning per label, the citizen's time first ---------------------------------------------
def test_the_queue_shows_the_citizens_time_under_reported():
    cols = {c.get("field") or c.get("colId"): c for c in columns("zh-CN", operator=False)}
    assert cols["reported_at"]["headerName"] == "上报时间"
    assert "created_at" not in cols                         # the ingest time is not shown as 上报时间
    row = grid_row(view(reported_at="2026-01-01T01:00:00+00:00", created_at="2026-01-01T04:30:00+00:00"), "en",
                   {"department": {}, "district": {}})
    assert row["reported_at"] == "2026-01-01T01:00:00+00:00"


def test_the_detail_says_reported_and_received_apart():
    from layouts.dispatch_detail import record
    shown = " ".join(texts(record(view(), "zh-CN", {"department": {}, "district": {}}, "Asia/Shanghai")))
    assert "上报时间" in shown and "系统收到时间" in shown


# -- item 5: land on the work that needs them, urgent and oldest first, remembered ------------------------
def test_the_queue_opens_on_the_work_that_needs_a_dispatcher():
    view_value, values = dispatch.remembered_view(None, "wang", workflow.DISPATCHER)
    assert view_value == "builtin:0"
    assert set(values["status"]) == {"reported", "verified", "returned", "fixed"}
    assert not set(values["status"]) & {"closed", "rejected", "merged"}
    _, op_values = dispatch.remembered_view(None, "op", workflow.OPERATOR)
    assert set(op_values["status"]) == {"dispatched", "accepted"}


def test_urgent_and_oldest_first():
    args = query_args(None, None, None, None, None, None, None, "")
    assert parse_filters(args)["order"] == "urgent"
    cols = {c.get("field") or c.get("colId"): c for c in columns("en", operator=False)}
    assert (cols["priority"]["sort"], cols["priority"]["sortIndex"]) == ("asc", 0)
    assert (cols["reported_at"]["sort"], cols["reported_at"]["sortIndex"]) == ("asc", 1)


def test_the_chosen_view_is_remembered_for_its_person_only():
    cookie = quote(json.dumps({"user": "wang", "view": "builtin:3",
                               "filters": {"status": [], "overdue": ["overdue"], "text": "井盖"}}))
    assert dispatch.remembered_view(cookie, "wang", workflow.DISPATCHER) == (
        "builtin:3", {"status": [], "overdue": ["overdue"], "text": "井盖"})
    assert dispatch.remembered_view(cookie, "li", workflow.DISPATCHER)[0] == "builtin:0"   # someone else's
    assert dispatch.remembered_view("not json", "wang", workflow.DISPATCHER)[0] == "builtin:0"
    bad = quote(json.dumps({"user": "wang", "filters": {"status": ["<script>"]}}))
    assert dispatch.remembered_view(bad, "wang", workflow.DISPATCHER)[0] == "builtin:0"


def test_the_page_is_built_with_the_remembered_filters(small_city):
    cookie = quote(json.dumps({"user": "wang", "view": None, "filters": {"status": ["fixed"]}}))
    page = dispatch.page("zh-CN", small_city, {}, [[0, 0], [1, 1]], "Asia/Shanghai", "", "wang", workflow.DISPATCHER,
                         None, cookie)
    status = _find(page, "disp-f-status")
    assert status.value == ["fixed"]


# -- item 8: /dispatch?incident=… opens it ---------------------------------------------------------------
def test_the_incident_argument_opens_the_incident(small_city):
    assert dispatch.incident_arg("3961") == 3961
    assert dispatch.incident_arg("x") is None and dispatch.incident_arg("-4") is None
    page = dispatch.page("en", small_city, {}, [[0, 0], [1, 1]], "Asia/Shanghai", "", "wang", workflow.DISPATCHER,
                         None, None, 3961)
    assert _find(page, "disp-current").data == {"id": 3961}


# -- item 12: a real 404 and 403 in the screen's language ---------------------------------------------------
def test_unknown_paths_are_not_pages():
    assert permissions.is_page("/dispatch") and permissions.is_page("/admin/audit")
    assert not permissions.is_page("/nonexistent")


@pytest.mark.parametrize("status", [403, 404])
def test_error_pages_in_both_languages(status):
    en = " ".join(texts(error_page(status, "en", "/admin/audit", "dispatcher")))
    zh = " ".join(texts(error_page(status, "zh-CN", "/admin/audit", "dispatcher")))
    assert not CHINESE.search(en) and CHINESE.search(zh)
    assert ("may not open" in en) == (status == 403) and ("no page" in en) == (status == 404)
    assert "Back to my start page" in en


# -- item 19: text the system composes in the screen's language ---------------------------------------------
def test_composed_titles_follow_the_language():
    v = view(title="井盖缺失 · 滨江路 12 号", category_name_zh="井盖缺失", category_name_en="Missing manhole cover")
    assert incident_title(v, "en") == "Missing manhole cover · 滨江路 12 号"      # the address is a place name
    assert incident_title(v, "zh-CN") == "井盖缺失 · 滨江路 12 号"
    assert incident_title(view(title="严重拥堵 · 滨江路"), "en") == "Severe congestion · 滨江路"
    assert incident_title(view(title="路灯不亮，已经三天了"), "en") == "路灯不亮，已经三天了"   # typed: kept


def test_the_header_composes_role_and_department_in_the_language():
    assert person_label("调度员 王敏", "dispatcher", "Dispatcher", None) == "Dispatcher 王敏"
    assert person_label("王敏", "dispatcher", "调度员", None) == "调度员 王敏"
    assert person_label("水务局", "op-water", "Department operator", "Water Authority", ("水务局",)) == \
        "Department operator · Water Authority"
    assert person_label(None, "admin", "Administrator", None) == "Administrator admin"


def _find(component, id_):
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


# -- item 6: reasons are asked for where they matter, and come right after the department -----------------
def test_reassign_needs_a_reason_and_the_reason_follows_the_department():
    from layouts.dispatch_actions import SPECS, action_request
    assert action_request("reassign", {"department": "CG", "reason": " "})[2] == ["reason"]
    for action in ("dispatch", "reassign"):
        fields = SPECS[action].fields
        assert fields.index("reason") == fields.index("department") + 1 < fields.index("deadline")


# -- item 7: merge and reject are confirmed and undoable ---------------------------------------------------
def test_final_actions_carry_their_undo_texts():
    from layouts.dispatch_actions import action_bar
    from layouts.dispatch_related import duplicates
    bar = action_bar(["reject"], "en", {"departments": [], "priority": 3})
    submit = [c for c in _walk(bar) if getattr(c, "className", "") and "disp-submit" in c.className][0]
    assert submit.to_plotly_json()["props"]["data-undo-text"] == "Rejecting this report"
    section = duplicates(view(allowed_actions=["merge"]), [({"id": 8, "distance_m": 12}, view(id=8, code="X8"))],
                         "zh-CN", "Asia/Shanghai")
    merge = [c for c in _walk(section) if getattr(c, "className", "") and "disp-merge" in c.className][0]
    props = merge.to_plotly_json()["props"]
    assert "X8" in props["data-confirm-text"] and "X8" in props["data-undo-text"] and props["data-undo-label"] == "撤销"


def test_a_merged_case_names_the_other_by_its_case_number_as_a_link():
    from layouts.dispatch_detail import head
    shown = head(view(status="merged", merged_into=3961, merged_into_code="20261205003961"), "zh-CN")
    link = [c for c in _walk(shown) if getattr(c, "href", None) == "/dispatch?incident=3961"][0]
    assert link.children == "20261205003961"
    assert "#3961" not in " ".join(texts(shown))


# -- item 9: likely duplicates by place, category and time; marked in the queue ------------------------------
def test_same_street_reports_a_few_hundred_metres_apart_are_likely_duplicates():
    from datetime import datetime, timezone

    from dashboard.domain.duplicates import likely_duplicates, street_of
    at = datetime(2026, 12, 5, 8, tzinfo=timezone.utc)
    a = {"id": 1, "category": "0104", "lat": 32.05, "lon": 118.75, "reported_at": at, "address": "东湖区峨眉路338号附近"}
    b = {"id": 2, "category": "0104", "lat": 32.05, "lon": 118.7525, "reported_at": at, "address": "东湖区峨眉路368号"}
    c = dict(b, id=3, address="东湖区汉江路368号")
    assert street_of(a["address"]) == street_of(b["address"])
    found = likely_duplicates(a, [b, c])
    assert [f["id"] for f in found] == [2] and found[0]["why"] == "same_street" and 200 < found[0]["distance_m"] < 400
    row = grid_row(view(status="reported", details={"likely_duplicates": [{"id": 2, "code": "20261205000002"}]}),
                   "zh-CN", {"department": {}, "district": {}})
    assert "疑似重复" in row["dup_label"] and "000002" in row["dup_label"]


# -- item 10: 督办 filter and column; usual reasons; a phoned-in case -------------------------------------------
def test_supervised_filter_and_badge():
    args = query_args(None, None, None, None, None, None, ["supervised"], "")
    assert parse_filters(args)["supervised"] is True and "overdue_at" not in parse_filters(args)
    row = grid_row(view(supervised=True), "en", {"department": {}, "district": {}})
    assert row["status_label"].endswith("Supervised")


def test_usual_reasons_are_offered_in_both_languages():
    from layouts.dispatch_actions import usual_reasons
    for action in ("reject", "return", "rework", "reassign"):
        zh, en = usual_reasons(action, "zh-CN"), usual_reasons(action, "en")
        assert len(zh) == len(en) >= 2 and all(CHINESE.search(r) for r in zh) and not any(CHINESE.search(r) for r in en)


def test_a_phoned_in_case_becomes_the_intake_services_fields(small_city):
    from layouts.dispatch_phone import fields
    district = small_city.districts[0]
    out = fields("0101", 1, " 井盖缺失 ", "", district.code, "滨江路 3 号", "王先生", "13800000000", small_city)
    assert out["title"] == "井盖缺失" and out["priority"] == 1 and out["reporter_name"] == "王先生"
    assert small_city.district_at(out["lon"], out["lat"]) == district.code


def _walk(component):
    if isinstance(component, (list, tuple)):
        for c in component:
            yield from _walk(c)
        return
    if component is None or isinstance(component, (str, int, float)):
        return
    yield component
    yield from _walk(getattr(component, "children", None))


# -- item 21: a yellow (黄色) warning gets a yellow badge ------------------------------------------------------
def test_warning_colours_follow_chinas_signal_colours():
    from layouts import palette

    def rgb(hex_):
        return tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5))
    r, g, b = rgb(palette.ALERT["Moderate"])
    assert r > 200 and g > 170 and b < 80                          # yellow, not orange
    r, g, b = rgb(palette.ALERT["Severe"])
    assert r > 200 and 100 < g < 170                               # orange
    assert palette.ALERT_TEXT["Moderate"] != "#ffffff"             # dark text on yellow
    assert "alert_text" in palette.as_dict()


def test_counts_are_said_in_proper_english():
    from callbacks.dispatch import total_text
    from layouts.review import incident_list
    assert total_text(1, 1, "en") == "1 incident" and total_text(3, 3, "en") == "3 incidents"
    one = {"items": [{"id": 1, "code": "C1", "title": "t", "status": "closed", "department": None,
                      "deadline": None, "closed_at": None}], "total": 1, "links": True}
    assert "1 incident" in " ".join(texts(incident_list(one, "en", "Asia/Shanghai", lambda c: c)))
    assert "incidents" not in " ".join(texts(incident_list(one, "en", "Asia/Shanghai", lambda c: c)))


def test_deadlines_are_typed_unambiguously_in_any_browser():
    from callbacks.dispatch_bulk import bulk_params
    from layouts.dispatch_actions import action_bar, action_request, iso_local
    assert iso_local("2026/12/10 9:05") == "2026-12-10T09:05" and iso_local("2026-12-10T17:30") == "2026-12-10T17:30"
    assert iso_local("10/12/2026") == "10/12/2026"                     # left for the service to refuse, with why
    assert action_request("dispatch", {"department": "CG", "deadline": "2026-12-10 17:30"})[1]["deadline"] == \
        "2026-12-10T17:30"
    assert bulk_params("CG", "2026/12/10 17:30")["deadline"] == "2026-12-10T17:30"
    bar = action_bar(["dispatch"], "zh-CN", {"departments": [("CG", "城管")], "priority": 3})
    inputs = [c for c in _walk(bar) if type(c).__name__ == "Input"]
    assert inputs and all(c.type == "text" and "2026-12-10" in c.placeholder for c in inputs)
