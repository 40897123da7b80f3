"""Translations: every key in both languages, every key the screens use exists, and the rendered
layouts show no untranslated key in either language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.demo.city import build_city
from dashboard.domain import aqi, congestion, workflow
from dashboard.i18n import CATALOG, LANGS, t

ROOT = Path(__file__).resolve().parents[2]
KEY_SHAPE = re.compile(r"^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$")
PY_KEY = re.compile(r"""\bt\(\s*f?["']([^"'{}]+)["']""")
JS_KEY = re.compile(r"""\b(?:label|lbl)\(\s*\w+\s*,\s*["']([^"']+)["']""")


def test_every_key_has_both_languages():
    for key, texts in CATALOG.items():
        assert KEY_SHAPE.match(key), f"odd key {key!r}"
        assert len(texts) == len(LANGS), key
        assert all(isinstance(x, str) and x.strip() for x in texts), f"{key} is missing a translation"


def test_placeholders_match_between_languages():
    for key, (zh, en) in CATALOG.items():
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def _sources(*globs: str) -> list[Path]:
    return [p for g in globs for p in ROOT.glob(g) if "__pycache__" not in p.parts]


def test_every_literal_key_used_in_code_exists():
    used: dict[str, str] = {}
    for path in _sources("layouts/**/*.py", "pages/**/*.py", "callbacks/**/*.py", "dashboard/web/**/*.py"):
        for key in PY_KEY.findall(path.read_text(encoding="utf-8")):
            used[key] = str(path.relative_to(ROOT))
    for path in _sources("assets/*.js"):
        for key in JS_KEY.findall(path.read_text(encoding="utf-8")):
            if not key.endswith("."):       # "prefix." + value: checked below for every value
                used[key] = str(path.relative_to(ROOT))
    assert used, "found no t(...) calls: the scan is broken"
    missing = {k: where for k, where in used.items() if not i18n.has(k)}
    assert not missing, f"keys used but not in the catalog: {missing}"


def test_every_domain_value_shown_on_screen_has_a_name():
    expected = [f"status.{s}" for s in workflow.STATUSES]
    expected += [f"congestion.{lv}" for lv in (*congestion.LEVELS, "unknown")]
    expected += [f"aqi.{lv}" for lv in (*aqi.LEVELS, "unknown")]
    expected += [f"pollutant.{p}" for p in aqi.POLLUTANTS]
    expected += [f"priority.{p}" for p in (1, 2, 3, 4)]
    expected += [f"role.{r}" for r in workflow.ROLES]
    expected += [f"severity.{s}" for s in ("Extreme", "Severe", "Moderate", "Minor", "Unknown")]
    expected += [f"feed.state.{s}" for s in ("ok", "degraded", "stale", "down")]
    expected += [f"source.{c}" for c in ("open311", "traffic", "gtfs_rt", "sensorthings", "cap")]
    expected += [f"event.kind.{k}" for k in ("incident", "alert", "other")]
    expected += [f"live.{s}" for s in ("connecting", "live", "paused", "reloading")]
    assert [k for k in expected if not i18n.has(k)] == []


@pytest.mark.parametrize("lang", LANGS)
def test_helpers_name_things_in_each_language(lang):
    assert i18n.status_name("dispatched", lang) == t("status.dispatched", lang)
    assert i18n.aqi_name(None, lang) == t("aqi.unknown", lang)
    assert i18n.congestion_name("severe", lang) == t("congestion.severe", lang)
    city = build_city(7)   # the taxonomy is the city's data
    cat = city.categories[0]
    assert i18n.category_name(cat.code, lang, city) == (cat.name_zh if lang == "zh-CN" else cat.name_en)
    assert i18n.category_name("no-such-code", lang, city) == "no-such-code"
    view = {"category": cat.code, "category_name_zh": cat.name_zh, "category_name_en": cat.name_en}
    assert i18n.category_name(cat.code, lang, view) == (cat.name_zh if lang == "zh-CN" else cat.name_en)


def test_languages_differ_and_fallbacks_hold():
    assert t("ops.fig.open", "zh-CN") == "在办案件" and t("ops.fig.open", "en") == "Open incidents"
    assert t("ops.fig.open", "zh") == t("ops.fig.open", "zh-CN") and t("ops.fig.open", "en-US") == "Open incidents"
    assert t("ops.fig.open", None) == t("ops.fig.open", i18n.DEFAULT_LANG)
    assert t("no.such.key", "en") == "no.such.key"
    assert t("login.throttled", "en").format(seconds=5).endswith("5 s")


def test_client_catalog_is_one_language_and_only_the_prefixes():
    cat = i18n.client_catalog("en", ("live.",))
    assert cat and all(k.startswith("live.") for k in cat) and cat["live.live"] == "Live"


def _strings(component) -> list[str]:
    """Every text a component tree shows (children and a few visible attributes)."""
    out: list[str] = []
    if component is None:
        return out
    if isinstance(component, (str, int, float)):
        return [str(component)]
    if isinstance(component, (list, tuple)):
        for c in component:
            out += _strings(c)
        return out
    for attr in ("children", "name", "title", "aria-label", "placeholder"):
        value = getattr(component, attr, None)
        if isinstance(value, str):
            out.append(value)
        elif attr in ("children", "name"):
            out += _strings(value)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_layouts_render_without_untranslated_keys(lang, small_city):
    from layouts import operations
    from layouts.geo import city_bounds, districts_geojson
    from layouts.shell import NavItem, header, shell

    from layouts import audit, feeds

    page = operations.page(lang, districts_geojson(small_city), city_bounds(small_city), "Asia/Shanghai")
    head = header(small_city.name(lang), lang, [NavItem("/", t("nav.operations", lang))], "wang", "dispatcher")
    texts = _strings(page) + _strings(shell(head, None, lang, "Asia/Shanghai"))
    texts += _strings(feeds.page(lang, "Asia/Shanghai")) + _strings(audit.page(lang))
    assert texts
    leaked = [s for s in texts if KEY_SHAPE.match(s)]
    assert leaked == [], f"untranslated keys on screen: {leaked}"
    if lang == "en":   # nothing Chinese leaks into the English screen apart from the switch to Chinese
        chinese = [s for s in texts if re.search(r"[\u4e00-\u9fff]", s) and s != t("lang.zh-CN", "en")]
        assert chinese == []


def test_client_side_labels_cover_what_the_scripts_ask_for(small_city):
    """The labels shipped to the browser hold every literal key the scripts look up."""
    from layouts import dispatch, feeds, operations, wall
    from layouts.operations_map import TOOLTIP_KEYS
    from layouts.shell import shell

    shipped = set(i18n.client_catalog("en", operations.CLIENT_KEYS + TOOLTIP_KEYS + feeds.CLIENT_KEYS
                                      + dispatch.CLIENT_KEYS + wall.CLIENT_KEYS + ("live.", "clock.")))
    wanted = set()
    for path in _sources("assets/*.js"):
        wanted |= {k for k in JS_KEY.findall(path.read_text(encoding="utf-8")) if not k.endswith(".")}
    assert wanted and wanted <= shipped, wanted - shipped
    assert shell  # imported: the shell ships "live." and "clock."
