"""Small pure formatters the table layouts share: times in the city's zone, values in one line."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def local_time(value: str | datetime | None, tz: str) -> str:
    """'2025-05-01 14:03:05' in the city's time zone ('' for nothing)."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def one_line(value: Any, limit: int = 200) -> str:
    """A value as short text: strings as they are, the rest as compact JSON, cut with an ellipsis."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                                                             default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Titles the system composes ("<category> · <address>", the rules' "空气质量超标 · …"): in English the
# composed part is said in English; what people typed (and place names) stays as it is.
RULE_TITLE_PREFIXES = (("空气质量超标", "Air quality exceedance"), ("严重拥堵", "Severe congestion"),
                       ("其他问题", "Other"))


def incident_title(view: dict, lang: str | None) -> str:
    title = str(view.get("title") or "")
    if lang == "zh-CN" or " · " not in title:
        return title
    pairs = [(view.get("category_name_zh"), view.get("category_name_en")), *RULE_TITLE_PREFIXES]
    for zh, en in pairs:
        if zh and en and title.startswith(f"{zh} · "):
            return f"{en}{title[len(zh):]}"
    return title
