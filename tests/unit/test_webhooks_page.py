"""The Webhooks page's parts: it renders in both languages without a raw key, and rows read as people
read them (statuses by name, the last result, the next try only while pending)."""
import re

import pytest

from dashboard.i18n import LANGS, t
from layouts import webhooks

KEY_SHAPE = re.compile(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")


def _texts(component) -> list[str]:
    if component is None:
        return []
    if isinstance(component, (str, int, float)):
        return [str(component)]
    if isinstance(component, (list, tuple)):
        return [x for c in component for x in _texts(c)]
    out = []
    for attr in ("children", "title", "aria-label", "placeholder"):
        value = getattr(component, attr, None)
        out += [value] if isinstance(value, str) else (_texts(value) if attr == "children" else [])
    for col in getattr(component, "columnDefs", None) or []:
        out.append(col["headerName"])
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_renders_translated(lang):
    texts = _texts(webhooks.page(lang))
    assert t("hooks.title", lang) in texts and t("hooks.col.attempts", lang) in texts
    assert [s for s in texts if KEY_SHAPE.match(s)] == []
    if lang == "en":
        assert [s for s in texts if re.search(r"[\u4e00-\u9fff]", s)] == []


def test_rows():
    hooks = webhooks.hook_rows([{"id": 1, "name": "wo", "url": "http://x", "events": ["incident.dispatch"],
                                 "filters": {"department": ["CG"]}, "created_at": "2026-11-23T10:00:00+00:00"},
                                {"id": 2, "name": "all", "url": "http://y", "events": ["*"], "filters": {},
                                 "created_at": "2026-11-23T10:00:00+00:00"}], "en", "Asia/Shanghai")
    assert hooks[0]["filters"] == "department: CG" and hooks[1]["filters"] == "all"
    assert hooks[0]["created"] == "2026-11-23 18:00:00"
    base = {"created_at": "2026-11-23T10:00:00+00:00", "next_attempt_at": "2026-11-23T10:05:00+00:00",
            "event": "incident.dispatch", "attempts": 2}
    rows = webhooks.delivery_rows([
        base | {"id": 1, "status": "pending", "last_status_code": None, "last_error": "ConnectionError: refused"},
        base | {"id": 2, "status": "delivered", "last_status_code": 200, "last_error": None},
        base | {"id": 3, "status": "failed", "last_status_code": 503, "last_error": "HTTP 503"}], "zh-CN", "Asia/Shanghai")
    assert [r["status"] for r in rows] == ["待投递", "已送达", "已放弃"]
    assert [r["result"] for r in rows] == ["ConnectionError: refused", "HTTP 200", "HTTP 503"]
    assert rows[0]["next"] == "2026-11-23 18:05:00" and rows[1]["next"] == "–"
