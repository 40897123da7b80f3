"""The Review page's layouts in both languages: no untranslated key on screen, nothing Chinese in the
English page, the league table and tiles built from service output, figures formatted and graded."""
from __future__ import annotations

import re

import pytest

from dashboard.domain import evaluation as ev
from dashboard.domain import evaluation_format as fmt
from dashboard.i18n import LANGS, t
from layouts import review, review_charts
from layouts.geo import city_bounds, districts_geojson
from tests.unit.test_evaluation_figures import EXPECTED_OCTOBER
from tests.unit.test_i18n import KEY_SHAPE, _strings


def _figures() -> dict:
    totals = ev.figures_from_counts(EXPECTED_OCTOBER)
    th = ev.parse_thresholds(ev.DEFAULT_THRESHOLDS)
    rows = ev.league({"CG": totals}, {})
    for r in rows:
        r["name"], r["grades"] = "City Management Bureau", {k: ev.grade(k, r.get(k), th) for k in ev.FIGURES_BY_KEY}
    return {"period": {"first": "2026-10-01", "last": "2026-10-31"},
            "previous": {"first": "2026-09-01", "last": "2026-09-30"}, "dimension": "department", "filters": [],
            "totals": totals, "totals_before": totals, "grades": {k: ev.grade(k, totals.get(k), th) for k in totals},
            "change": {k: 0 for k in totals}, "league": rows}


@pytest.mark.parametrize("lang", LANGS)
def test_page_renders_without_untranslated_keys(lang, small_city):
    page = review.page(lang, districts_geojson(small_city), city_bounds(small_city), "Asia/Shanghai",
                       review.category_options(lang, small_city))
    fig = _figures()
    env = {"aqi_days": {"good": 3}, "worst_aqi_day": {"day": "2026-10-02", "aqi": 80}, "worst_hours": [
        {"hour": 8, "ci": 6.1, "level": "heavy"}]}
    parts = [page, review.tiles(fig, lang), review.league_table(fig, lang), review.definition("overdue", lang),
             review_charts.environment_body(env, lang), review.crumbs([{"name": "X"}], lang),
             review_charts.replay_counts({"open": 1, "overdue": 0, "alerts": 0, "max_aqi": None,
                                          "congestion": {}, "by_status": {"dispatched": 1}}, lang)]
    texts = [s for p in parts for s in _strings(p)]
    leaked = [s for s in texts if KEY_SHAPE.match(s)]
    assert leaked == []
    if lang == "en":
        chinese = [s for s in texts if re.search(r"[\u4e00-\u9fff]", s)]
        assert chinese == []


def test_every_figure_has_a_name_and_a_definition():
    for figure in ev.FIGURES:
        for key in (f"rev.fig.{figure.key}", f"rev.def.{figure.key}"):
            assert t(key, "en") != key and t(key, "zh-CN") != key


def test_formatting():
    assert fmt.format_figure("on_time_rate", 0.4, "en") == "40.0%"
    assert fmt.format_figure("close_mean", 174000.0, "en") == "48.3 h"
    assert fmt.format_figure("accept_mean", 1800, "zh-CN") == "30 分钟"
    assert fmt.format_figure("close_p90", 5 * 86400, "en") == "5.0 d"
    assert fmt.format_figure("due", None, "en") == "—"
    assert fmt.format_change("on_time_rate", -0.025, "en") == "-2.5 pt"
    assert fmt.format_change("overdue", 3, "en") == "+3"
    assert fmt.change_is_good("overdue", 3) is False and fmt.change_is_good("closure_rate", 0.1) is True


def test_export_links_carry_the_query():
    pdf, csv_, xlsx = review.export_hrefs({"period": "custom", "first": "2026-10-01", "last": "2026-10-31",
                                          "filters": [["department", "CG"]]}, "en")
    assert pdf.startswith("/api/v1/review/report.pdf?") and "first=2026-10-01" in pdf and "department=CG" in csv_
    assert xlsx.endswith("lang=en&first=2026-10-01&last=2026-10-31&department=CG")


def test_incident_list_links_to_dispatch_only_when_allowed():
    from datetime import datetime, timezone
    item = {"id": 7, "code": "C7", "title": "井盖", "status": "dispatched", "department": "CG",
            "deadline": datetime(2026, 10, 25, tzinfo=timezone.utc), "closed_at": None}
    linked = str(review.incident_list({"items": [item], "total": 1, "links": True}, "en", "UTC", str))
    plain = str(review.incident_list({"items": [item], "total": 1, "links": False}, "en", "UTC", str))
    assert "/dispatch?incident=7" in linked and "/dispatch" not in plain and "C7" in plain
