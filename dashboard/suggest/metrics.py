"""How good the suggestions are on cases whose answer is known: top-1/top-3 accuracy, macro F1,
expected calibration error, the coverage–precision curve and the share dispatched by itself."""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from .features import Case
from .model import TARGETS, threshold_for


def top_k(truth: Sequence[str], ranked: Sequence[Sequence[str]], k: int) -> float:
    return float(np.mean([t in r[:k] for t, r in zip(truth, ranked)])) if truth else 0.0


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    labels = set(truth) | set(predicted)
    tp, fp, fn = Counter(), Counter(), Counter()
    for t, p in zip(truth, predicted):
        if t == p:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    f1 = [2 * tp[l] / (2 * tp[l] + fp[l] + fn[l]) if tp[l] + fp[l] + fn[l] else 0.0 for l in labels if tp[l] + fn[l]]
    return float(np.mean(f1)) if f1 else 0.0


def ece(confidence: Sequence[float], right: Sequence[bool], bins: int = 15) -> float:
    """Expected calibration error of the top-1 confidence (equal-width bins)."""
    c, r = np.asarray(confidence, dtype=float), np.asarray(right, dtype=float)
    if not len(c):
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(c, edges[1:-1]), 0, bins - 1)
    return float(sum(abs(c[idx == b].mean() - r[idx == b].mean()) * (idx == b).mean()
                     for b in range(bins) if (idx == b).any()))


def coverage_precision(confidence: Sequence[float], right: Sequence[bool],
                       cuts: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995)) -> list[dict]:
    c, r = np.asarray(confidence, dtype=float), np.asarray(right, dtype=bool)
    out = []
    for t in cuts:
        m = c >= t
        out.append({"threshold": t, "coverage": float(m.mean()) if len(c) else 0.0,
                    "precision": float(r[m].mean()) if m.any() else None})
    return out


def evaluate(model, cases: Sequence[Case], predictions: list[dict]) -> dict:
    """Every figure `cityops suggest evaluate` prints, for cases with known labels."""
    cats_true = [c.category for c in cases]
    deps_true = [c.department for c in cases]
    cat_ranked = [[x for x, _ in p["categories"]] for p in predictions]
    dep_ranked = [[x for x, _ in p["departments"]] for p in predictions]
    conf = [p["confidence"] for p in predictions]
    right = [cr[0] == ct and dr[0] == dt for cr, ct, dr, dt in zip(cat_ranked, cats_true, dep_ranked, deps_true)]
    out = {
        "cases": len(cases),
        "returned": sum(1 for c in cases if c.returned),
        "category": {"top1": top_k(cats_true, cat_ranked, 1), "top3": top_k(cats_true, cat_ranked, 3),
                     "macro_f1": macro_f1(cats_true, [r[0] for r in cat_ranked]),
                     "ece": ece([p["categories"][0][1] for p in predictions], [r[0] == t for r, t in zip(cat_ranked, cats_true)])},
        "department": {"top1": top_k(deps_true, dep_ranked, 1), "top3": top_k(deps_true, dep_ranked, 3),
                       "macro_f1": macro_f1(deps_true, [r[0] for r in dep_ranked]),
                       "ece": ece([p["departments"][0][1] for p in predictions], [r[0] == t for r, t in zip(dep_ranked, deps_true)])},
        "returned_department_top1": (top_k([c.department for c in cases if c.returned],
                                           [r for r, c in zip(dep_ranked, cases) if c.returned], 1)
                                     if any(c.returned for c in cases) else None),
        "auto_ece": ece(conf, right),
        "curve": coverage_precision(conf, right),
        "auto": {},
    }
    c, r = np.asarray(conf), np.asarray(right)
    first = np.asarray([x[0] for x in cat_ranked]) if cat_ranked else np.asarray([])
    for target in TARGETS:
        # with the thresholds chosen on the held-out slice before this month (what would have happened)
        chosen = np.asarray([(model.threshold(k, target) if model.threshold(k, target) is not None else np.inf)
                             for k in first]) if len(first) else np.asarray([])
        m = c >= chosen if len(c) else np.asarray([], dtype=bool)
        best = threshold_for(c, r, target, z=0)      # and the best any threshold could do on this month
        mb = c >= best if best is not None else np.zeros(len(c), dtype=bool)
        out["auto"][f"{target:g}"] = {
            "coverage": float(m.mean()) if len(c) else 0.0, "precision": float(r[m].mean()) if m.any() else None,
            "oracle_coverage": float(mb.mean()) if len(c) else 0.0}
    return out


def format_report(figures: dict, title: str) -> str:
    pct = lambda v: "   —  " if v is None else f"{100 * v:5.1f} %"   # noqa: E731
    lines = [title, f"  held-out cases: {figures['cases']} (returned and re-dispatched: {figures['returned']})", ""]
    lines.append(f"  {'':12} {'top-1':>8} {'top-3':>8} {'macro F1':>9} {'ECE':>7}")
    for key, name in (("category", "category"), ("department", "department")):
        f = figures[key]
        lines.append(f"  {name:12} {pct(f['top1']):>8} {pct(f['top3']):>8} {f['macro_f1']:9.3f} {f['ece']:7.3f}")
    if figures.get("returned_department_top1") is not None:
        lines.append(f"  department top-1 on the returned cases: {pct(figures['returned_department_top1'])}")
    lines += ["", f"  auto-dispatch confidence (category and department both right): ECE {figures['auto_ece']:.3f}",
              "  coverage–precision curve:", f"    {'confidence ≥':>13} {'coverage':>9} {'precision':>10}"]
    for point in figures["curve"]:
        lines.append(f"    {point['threshold']:13.3f} {pct(point['coverage']):>9} {pct(point['precision']):>10}")
    lines.append("")
    for target, a in figures["auto"].items():
        lines.append(f"  dispatched by itself at the {float(target) * 100:g} % threshold (chosen before the month): "
                     f"{pct(a['coverage'])} of cases, {pct(a['precision'])} right "
                     f"(best possible cut on the month: {pct(a['oracle_coverage'])})")
    return "\n".join(lines)
