"""The core's refusal reasons in Chinese on screen: every reason the action service gives when it is
driven into each refusal has a translation (no English left), names of roles, actions and statuses
are shown by their Chinese names, and English screens get the core's own words."""
from __future__ import annotations

import re

import pytest

from dashboard.domain import workflow
from dashboard.reasons import localize_reason
from dashboard.translations.reasons import REASONS

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_every_template_translates_itself_with_placeholders_filled():
    for english, chinese in REASONS.items():
        example = english.replace("{", "").replace("}", "")
        fields = re.findall(r"\{(\w+)\}", english)
        sample = english.format(**{f: "7" for f in fields})
        out = localize_reason(sample, "zh-CN")
        assert out == chinese.format(**{f: "7" for f in fields}), example


@pytest.mark.parametrize("action, status, role, reason", [
    ("close", "dispatched", "dispatcher", None), ("rework", "fixed", "dispatcher", None),
    ("accept", "dispatched", "leader", None), ("explode", "reported", "dispatcher", None)])
def test_workflow_refusals_read_in_chinese(action, status, role, reason):
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.check_transition(action, status, role, reason)
    shown = localize_reason(str(refused.value), "zh-CN")
    assert shown != str(refused.value)
    assert not LATIN_WORD.search(shown.replace(action, "")), shown


def test_names_and_english():
    assert localize_reason("cannot close an incident that is dispatched; allowed from: fixed", "zh-CN") == \
        "案件当前为“任务派遣”，不能执行“核查结案”；仅可从以下状态执行：处理反馈"
    assert localize_reason("unknown department 'water'", "zh-CN") == "未知部门 water"
    assert localize_reason("no incident 42", "en") == "no incident 42"
    assert localize_reason("a reason nobody wrote down", "zh-CN") == "a reason nobody wrote down"
