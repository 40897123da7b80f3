"""Show the core's refusal reasons in the screen's language (pure; the table is
dashboard/translations/reasons.py). A reason with no translation is shown as the core wrote it."""
from __future__ import annotations

import re
from functools import lru_cache

from dashboard.i18n import has, normalize, t
from dashboard.translations.reasons import REASONS

_FIELD = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    out = []
    # the most specific first: "no incident {into} to merge into" before "no incident {id}"
    for english, chinese in sorted(REASONS.items(), key=lambda kv: -len(_FIELD.sub("", kv[0]))):
        parts, last = [], 0
        for m in _FIELD.finditer(english):
            parts.append(re.escape(english[last:m.start()]))
            parts.append(f"'?(?P<{m.group(1)}>.+?)'?")
            last = m.end()
        parts.append(re.escape(english[last:]))
        out.append((re.compile("".join(parts) + r"\Z", re.S), chinese))
    return tuple(out)


def _name(value: str, lang: str) -> str:
    for prefix in ("role.", "disp.action.", "status."):
        if has(prefix + value):
            return t(prefix + value, lang)
    return value


def localize_reason(message: str, lang: str | None) -> str:
    if normalize(lang) != "zh-CN" or not message:
        return message
    for pattern, chinese in _patterns():
        match = pattern.match(message)
        if match:
            values = {k: "、".join(_name(v.strip(), lang) for v in s.split(",")) if k in ("allowed", "known") else _name(s, lang)
                      for k, s in match.groupdict().items()}
            return chinese.format(**values)
    return message
