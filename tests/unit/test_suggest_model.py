"""The pure parts of dispatch suggestions: thresholds for a target precision, the figures, character
shingles, renamed/merged departments, the demo city's citizen phrasing, and the model end to end on
the demo city's past."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, strategies as st

from dashboard.demo.simulation.citizen_texts import PARTS, describe, filed_category
from dashboard.suggest import metrics, shingles
from dashboard.suggest.features import Case, case_from_incident, meta_tokens
from dashboard.suggest.model import _merge_columns, resolve, threshold_for, wilson_lower

TZ = ZoneInfo("Asia/Shanghai")


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=200),
       st.sampled_from([0.9, 0.95, 0.99]))
def test_a_threshold_reaches_its_target_on_the_cases_it_was_chosen_on(pairs, target):
    conf = np.asarray([c for c, _ in pairs])
    right = np.asarray([r for _, r in pairs])
    for z in (0.0, 1.0):
        t = threshold_for(conf, right, target, z=z)
        if t is not None:
            assert right[conf >= t].mean() >= target


def test_wilson_is_below_the_proportion_and_grows_with_evidence():
    assert wilson_lower(np.array([10.0]), np.array([10.0]), 1.0)[0] < 1.0
    assert wilson_lower(np.array([1000.0]), np.array([1000.0]), 1.0)[0] > wilson_lower(
        np.array([100.0]), np.array([100.0]), 1.0)[0] > 0.99
    assert np.isclose(wilson_lower(np.array([3.0]), np.array([4.0]), 0.0)[0], 0.75)


def test_figures():
    assert metrics.top_k(["a", "b"], [["a", "x"], ["x", "b"]], 1) == 0.5
    assert metrics.top_k(["a", "b"], [["a", "x"], ["x", "b"]], 2) == 1.0
    assert metrics.macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    assert 0 < metrics.macro_f1(["a", "a", "b"], ["a", "b", "b"]) < 1
    assert metrics.ece([0.9] * 10, [True] * 9 + [False]) < 1e-9
    assert abs(metrics.ece([1.0] * 4, [True, False, True, False]) - 0.5) < 1e-9
    curve = metrics.coverage_precision([0.2, 0.6, 0.99], [False, True, True], cuts=(0.0, 0.5, 0.99))
    assert [p["coverage"] for p in curve] == [1.0, 2 / 3, 1 / 3] and curve[1]["precision"] == 1.0


@given(st.text(max_size=60), st.text(max_size=60))
def test_jaccard_is_symmetric_and_bounded(a, b):
    sa, sb = shingles.shingles(a), shingles.shingles(b)
    j = shingles.jaccard(sa, sb)
    assert 0.0 <= j <= 1.0 and j == shingles.jaccard(sb, sa)
    if sa:
        assert shingles.jaccard(sa, sa) == 1.0


def test_shingles_leave_out_the_address_digits_and_punctuation():
    assert shingles.shingles("汉江路12号附近：路灯不亮！", "汉江路12号附近") == shingles.shingles("路灯不亮")
    near = shingles.OpenCase(1, "0102", "g", 32.0, 118.0, datetime(2026, 1, 1, tzinfo=timezone.utc),
                             shingles.shingles("路灯不亮好几天"))
    index = shingles.DuplicateIndex()
    index.add(near)
    at = datetime(2026, 1, 1, 5, tzinfo=timezone.utc)
    assert [f["id"] for f in index.search(2, "0102", "g", 32.0005, 118.0, at, shingles.shingles("路灯好几天不亮"))] == [1]
    assert index.search(2, "0102", "g", 32.0005, 118.0, at + timedelta(days=5), shingles.shingles("路灯不亮")) == []
    assert index.search(2, "0301", "h", 32.0005, 118.0, at, shingles.shingles("路灯不亮好几天")) == []
    index.remove(1)
    assert len(index) == 0


def test_renamed_and_merged_departments_sum_under_the_new_code():
    classes, p = _merge_columns(["a", "b", "c"], np.array([[0.5, 0.3, 0.2]]), {"a": "x", "b": "x", "c": "c"})
    assert classes == ["x", "c"] and np.allclose(p, [[0.8, 0.2]])
    assert resolve("a", {"a": "b", "b": "c"}) == "c"
    assert resolve("a", {"a": "b", "b": "a"}) in ("a", "b")      # a cycle stops


def test_citizens_write_many_ways_and_sometimes_pick_the_wrong_category():
    rng = random.Random(3)
    texts = [describe(rng, "0102", "南塘区汉江路12号附近", "汉江路") for _ in range(300)]
    assert len(set(texts)) > 250
    assert sum("南塘区汉江路12号附近" not in x for x in texts) > 60       # many without the full address
    assert any(not any(w in x for w in PARTS["0102"][0]) or "等" in x for x in texts)   # typos ("路等")
    picks = [filed_category(rng, "0102") for _ in range(2000)]
    assert 0.05 < sum(p != "0102" for p in picks) / len(picks) < 0.16


def test_case_features():
    row = {"id": 3, "title": "路灯故障 · 汉江路", "description": "路灯不亮", "district": "D01", "lat": 32.05,
           "lon": 118.78, "source": "open311", "reported_at": "2026-11-02T01:00:00+00:00",
           "details": {"service_code": "0102"}, "category": "0102"}
    case = case_from_incident(row, TZ)
    assert isinstance(case, Case) and case.hour == 9 and case.filed == "0102" and case.cell
    assert {"d:D01", "f:0102", "s:open311"} <= set(meta_tokens(case))


def test_the_quick_transform_for_a_few_texts_matches_the_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from dashboard.suggest.model import SuggestModel
    rng = random.Random(5)
    texts = [describe(rng, code, "汉江路1号", "汉江路") for code in PARTS for _ in range(5)]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                          dtype=np.float32).fit(texts)
    model = SuggestModel(vectorizer=vec, meta_vocab={}, category=None, department=None)
    few = ["路灯不亮了，晚上很黑", "井盖缺失！！", ""]
    assert np.allclose(model._text_few(few).toarray(), vec.transform(few).toarray(), atol=1e-6)
