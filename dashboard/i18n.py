"""Translations: one catalog, every user-facing string. `t(key, lang)` looks a key up; the helpers
name statuses, categories, priorities and levels. Keys are dotted ("ops.fig.open"); a catalog entry
holds both languages side by side so a missing translation is visible in review and in the tests.

Placeholders use str.format: t("login.throttled", lang).format(seconds=30).
"""
from __future__ import annotations

from typing import Iterable

from dashboard.translations import CATALOG

LANGS = ("zh-CN", "en")
DEFAULT_LANG = "zh-CN"


def normalize(lang: str | None) -> str:
    """Any zh* → zh-CN, any en* → en, anything else → the default."""
    if lang:
        low = lang.lower()
        if low.startswith("zh"):
            return "zh-CN"
        if low.startswith("en"):
            return "en"
    return DEFAULT_LANG


def t(key: str, lang: str | None = None) -> str:
    """The text of `key` in `lang`. An unknown key shows itself (never crash a screen over a label)."""
    entry = CATALOG.get(key)
    if entry is None:
        return key
    return entry[0] if normalize(lang) == "zh-CN" else entry[1]


def has(key: str) -> bool:
    return key in CATALOG


def status_name(status: str, lang: str | None) -> str:
    return t(f"status.{status}", lang)


def priority_name(priority: int | str, lang: str | None) -> str:
    return t(f"priority.{priority}", lang)


def congestion_name(level: str | None, lang: str | None) -> str:
    return t(f"congestion.{level or 'unknown'}", lang)


def aqi_name(level: str | None, lang: str | None) -> str:
    return t(f"aqi.{level or 'unknown'}", lang)


def pollutant_name(pollutant: str, lang: str | None) -> str:
    return t(f"pollutant.{pollutant}", lang)


def category_name(code: str, lang: str | None, source=None) -> str:
    """A category's name: from the city in force (`source` a City), or from an incident's view that
    carries category_name_zh/en (`source` a dict); the code itself otherwise."""
    if isinstance(source, dict):
        zh = normalize(lang) == "zh-CN"
        return str(source.get("category_name_zh" if zh else "category_name_en") or code)
    cat = source.find_category(code) if source is not None else None   # the taxonomy is the city's data
    return cat.name(normalize(lang)) if cat else str(code)


def role_name(role: str, lang: str | None) -> str:
    return t(f"role.{role}", lang)


def client_catalog(lang: str | None, prefixes: Iterable[str]) -> dict[str, str]:
    """The keys starting with any of `prefixes`, in one language: what client-side JS renders with."""
    prefixes = tuple(prefixes)
    return {k: t(k, lang) for k in CATALOG if k.startswith(prefixes)}
