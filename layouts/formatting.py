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
