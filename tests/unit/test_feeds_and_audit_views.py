"""The pure parts of the Feeds and Audit log pages: payload previews, the dead-letter rows (no payload
unless the service handed it on), audit filters and paging, what an entry changed and how it reads."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dashboard.domain import audit as audit_domain
from dashboard.i18n import LANGS, has, t
from dashboard.services import audit_view, feeds_view
from layouts import audit as audit_layout, feeds as feeds_layout
from layouts.formatting import local_time, one_line

AT = datetime(2025, 5, 1, 6, 3, 5, tzinfo=timezone.utc)      # 14:03:05 in Shanghai


# -- feeds ---------------------------------------------------------------------------------------------
def test_a_payload_preview_is_one_short_line():
    assert feeds_view.preview("  {\n  \"a\": 1,\n\t\"b\": 2 }\n") == '{ "a": 1, "b": 2 }'
    long = feeds_view.preview("x" * 500, limit=20)
    assert len(long) == 20 and long.endswith("…")
    assert feeds_view.preview(None) == ""


def test_a_dead_letter_item_carries_the_payload_only_when_asked():
    row = {"id": 3, "connector": "cap", "received_at": AT, "reason": "bad XML", "raw": "<alert>…</alert>"}
    without = feeds_view.dead_letter_item(row, with_payload=False)
    assert without == {"id": 3, "connector": "cap", "received_at": AT.isoformat(), "reason": "bad XML"}
    whole = feeds_view.dead_letter_item(row, with_payload=True)
    assert whole["raw"] == "<alert>…</alert>" and whole["raw_length"] == len(row["raw"])
    listed = feeds_view.dead_letter_item(row | {"raw": "<alert>", "raw_length": 999}, with_payload=True)
    assert "raw" not in listed and listed["raw_preview"] == "<alert>" and listed["raw_length"] == 999


@pytest.mark.parametrize("lang", LANGS)
def test_dead_letter_rows_and_columns_follow_what_the_service_sent(lang):
    items = [{"id": 1, "connector": "open311", "received_at": AT.isoformat(), "reason": "lat is not a number"}]
    [row] = feeds_layout.dead_letter_rows(items, lang, "Asia/Shanghai")
    assert row == {"id": 1, "time": "2025-05-01 14:03:05", "connector": t("source.open311", lang),
                   "reason": "lat is not a number"}
    assert "payload" not in {c["field"] for c in feeds_layout.dead_letter_columns(lang, False)}
    assert "payload" in {c["field"] for c in feeds_layout.dead_letter_columns(lang, True)}
    assert feeds_layout.dead_letter_note(False, lang) == t("feeds.dl.admin_only", lang)
    assert feeds_layout.dead_letter_note(True, lang) is None
    assert feeds_layout.source_name("somewhere-else", lang) == "somewhere-else"


def test_the_dead_letter_detail_shows_the_payload_or_says_why_not():
    item = {"id": 1, "connector": "cap", "received_at": AT.isoformat(), "reason": "bad", "raw": "<x/>",
            "raw_length": 4}
    shown = str(feeds_layout.dead_letter_detail(item | {"payload_visible": True}, "en", "UTC"))
    hidden = str(feeds_layout.dead_letter_detail(item | {"payload_visible": False}, "en", "UTC"))
    assert "<x/>" in shown and "feeds-dl-payload" in shown
    assert "feeds-dl-admin-only" in hidden and "feeds-dl-payload" not in hidden


# -- audit filters and paging ------------------------------------------------------------------------
def test_filters_take_whole_city_days_both_ends_included():
    f = audit_view.parse_filters(actor="  wang ", action="", target_type=None, target_id=" 42 ",
                                 start_date="2025-05-01", end_date="2025-05-02T00:00:00", tz="Asia/Shanghai")
    assert (f.actor, f.action, f.target_type, f.target_id) == ("wang", None, None, "42")
    assert f.since == datetime(2025, 4, 30, 16, 0, tzinfo=timezone.utc)      # 1 May, 00:00 in Shanghai
    assert f.until == datetime(2025, 5, 2, 16, 0, tzinfo=timezone.utc)       # the end of 2 May
    backwards = audit_view.parse_filters(start_date="2025-05-02", end_date="2025-05-01", tz="UTC")
    assert backwards.since < backwards.until
    assert audit_view.parse_filters() == audit_view.AuditFilters()
    with pytest.raises(audit_view.BadFilter, match="start date"):
        audit_view.parse_filters(start_date="May Day")


@pytest.mark.parametrize("offset, limit, total, expected", [
    (0, 50, 120, (0, 50)), (50, 50, 120, (50, 50)), (75, 50, 120, (50, 50)),       # on a page boundary
    (500, 50, 120, (100, 50)), (-5, 50, 120, (0, 50)), (0, 10_000, 5, (0, audit_view.MAX_PAGE_SIZE)),
    ("x", None, 0, (0, audit_view.PAGE_SIZE)), (0, 0, 3, (0, 1)),
])
def test_the_page_window_is_always_sane(offset, limit, total, expected):
    assert audit_view.page_window(offset, limit, total) == expected


def test_changes_list_only_what_changed():
    assert audit_view.changes({"status": "reported", "priority": 3}, {"status": "verified", "priority": 3}) == [
        {"field": "status", "before": "reported", "after": "verified"}]
    assert audit_view.changes(None, {"role": "leader"}) == [{"field": "role", "before": None, "after": "leader"}]
    assert audit_view.changes({"a": 1}, {}) == [{"field": "a", "before": 1, "after": None}]
    assert audit_view.changes({"a": None}, {}) == [{"field": "a", "before": None, "after": None}]   # key dropped
    assert audit_view.changes(None, None) == [] and audit_view.changes("x", "x") == []
    assert audit_view.changes("x", "y") == [{"field": None, "before": "x", "after": "y"}]


# -- audit rows ----------------------------------------------------------------------------------------
def test_an_entry_reads_as_a_sentence_per_field():
    changes = audit_view.changes({"status": "reported", "department": None}, {"status": "dispatched", "department": "CG"})
    text = audit_layout.change_text(changes, "en", {"CG": "City Management Bureau"})
    assert text == "Status: Reported → Dispatched; Department: none → City Management Bureau"
    created = audit_view.changes(None, {"category": "0101", "priority": 2, "source": "open311"})
    made = audit_layout.change_text(created, "zh-CN", None, {"0101": "井盖破损"})
    assert "→" not in made and "等级: 紧急" in made and "来源: 城管热线" in made and "(0101)" in made
    assert audit_layout.change_text(audit_view.changes({"disabled": False}, {"disabled": True}), "en") == \
        "Disabled: no → yes"


def test_rows_name_roles_actions_and_targets():
    entry = audit_view.entry({"id": 9, "at": AT, "actor": "wang", "actor_role": "dispatcher", "remote_addr": None,
                              "action": "incident_verify", "target_type": "incident", "target_id": "42",
                              "before": {"status": "reported"}, "after": {"status": "verified"}, "reason": None})
    [row] = audit_layout.rows([entry], "zh-CN", "Asia/Shanghai")
    assert row["at"] == "2025-05-01 14:03:05" and row["role"] == "调度员" and row["remote_addr"] == "–"
    assert row["action"] == "立案" and row["action_code"] == "incident_verify" and row["target"] == "案件 42"
    assert row["change"] == "状态: 信息收集 → 案卷建立" and row["reason"] == ""
    assert audit_layout.role_label("-", "en") == "–" and audit_layout.role_label("system", "en") == "System"
    assert audit_layout.action_name("something_new", "en") == "something_new"
    assert audit_layout.target_label(None, None, "en") == ""


def test_the_pager_says_where_you_are():
    page = {"items": [{}] * 50, "total": 1234, "offset": 50, "limit": 50}
    assert audit_layout.pager(page, "en") == ("51–100 of 1,234", False, False)
    assert audit_layout.pager(page | {"items": [{}] * 34, "offset": 1200}, "en")[2] is True
    assert audit_layout.pager({"items": [], "total": 0, "offset": 0, "limit": 50}, "en") == (
        t("audit.pager.empty", "en"), True, True)


def test_every_recorded_action_and_target_has_a_name_on_screen():
    missing = [f"audit.action.{a}" for a in audit_domain.ACTIONS if not has(f"audit.action.{a}")]
    missing += [f"audit.target.{k}" for k in audit_domain.TARGET_TYPES if not has(f"audit.target.{k}")]
    assert missing == []


def test_formatting_helpers():
    assert local_time(AT.isoformat(), "Asia/Shanghai") == "2025-05-01 14:03:05"
    assert local_time(None, "UTC") == ""
    assert one_line({"a": [1, 2]}) == '{"a":[1,2]}' and one_line("a\n  b") == "a b" and one_line(None) == ""
    assert one_line("y" * 300, 10).endswith("…")
