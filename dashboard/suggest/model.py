"""The suggestion model: character n-gram TF-IDF of the text plus the circumstances as tokens, a linear
classifier (SGD, logistic loss) for the category and one for the department given a candidate category
and what the routing rule says for it; both calibrated by temperature on a held-out slice of the newest
cases, which also chooses the confidence thresholds for dispatching by itself at a target precision.

Pure: no store, no city. The caller passes `rule_for(category, district) -> [department, …]` (the
routing rules in force, mapped back to the codes the model was trained on).
"""
from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .features import Case, department_tokens, meta_tokens

RuleFor = Callable[[str, str | None], list[str]]
ALGORITHM = "tfidf char_wb 1-3 + SGD log-loss (category; department | category, rule, place), temperature"
FORMAT = 1
TARGETS = (0.95, 0.99, 0.995)
TOP_K = 3
MIN_PER_CATEGORY = 60        # held-out cases a category needs for a threshold of its own
LARGE = 100_000              # above this many cases one held-out slice (15 %) is enough: no folds
Z = 1.0                      # thresholds: precision's Wilson lower bound (about 84 % one-sided) must reach the target
SAMPLE = 3000                # recent closed cases kept to show as "similar cases"


@dataclass
class Calibrated:
    """A linear classifier's weights (float32) and its temperature."""
    classes: list[str]
    W: np.ndarray                    # features × classes, C-contiguous (sparse @ dense without a copy)
    b: np.ndarray
    T: float = 1.0

    def scores(self, X) -> np.ndarray:
        return np.asarray(X @ self.W) + self.b

    def proba(self, X) -> np.ndarray:
        return softmax(self.scores(X) / self.T)


@dataclass
class SuggestModel:
    vectorizer: object
    meta_vocab: dict[str, int]
    category: Calibrated
    department: Calibrated
    thresholds: dict = field(default_factory=dict)     # {"0.99": {"global": t, "by_category": {c: t}}}
    confidence: str = "min"                            # how the auto-dispatch confidence is formed
    trained_on: int = 0
    sample_ids: list[int] = field(default_factory=list)
    sample_labels: list[tuple[str, str]] = field(default_factory=list)
    sample_text: object = None                        # TF-IDF rows of the sample (csr)
    format: int = FORMAT

    # -- input ------------------------------------------------------------------------------------
    def _text(self, cases: Sequence[Case]):
        if len(cases) > 8:
            return self.vectorizer.transform([c.text for c in cases])
        return self._text_few([c.text for c in cases])

    def _text_few(self, texts: list[str]) -> sp.csr_matrix:
        """The vectorizer's transform for a few texts without its per-call overhead (same numbers:
        char_wb n-grams, 1 + log tf, idf, L2 norm)."""
        analyzer = self.__dict__.get("_analyzer")
        if analyzer is None:
            analyzer = self.__dict__["_analyzer"] = self.vectorizer.build_analyzer()
        vocab, idf = self.vectorizer.vocabulary_, self.vectorizer.idf_
        indptr, indices, data = [0], [], []
        for text in texts:
            counts: dict[int, int] = {}
            for gram in analyzer(text):
                j = vocab.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = sorted(counts)
            tf = np.fromiter((counts[j] for j in cols), dtype=np.float64, count=len(cols))
            values = ((1.0 + np.log(tf)) * idf[cols]).astype(np.float32) if cols else np.zeros(0, np.float32)
            norm = float(np.sqrt((values ** 2).sum())) if len(values) else 0.0
            indices.extend(cols)
            data.extend((values / norm) if norm > 0 else values)
            indptr.append(len(indices))
        return sp.csr_matrix((np.asarray(data, dtype=np.float32), indices, indptr),
                             shape=(len(texts), len(vocab)), dtype=np.float32)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_analyzer", None)
        state.pop("_sample_categories", None)
        return state

    def _meta(self, token_lists: Iterable[list[str]]) -> sp.csr_matrix:
        return _one_hot(token_lists, self.meta_vocab)

    def text_rows(self, cases: Sequence[Case]):
        return self._text(cases)

    def _x_category(self, cases: Sequence[Case], text=None):
        text = self._text(cases) if text is None else text
        return sp.hstack([text, self._meta(meta_tokens(c) for c in cases)], format="csr"), text

    # -- prediction -------------------------------------------------------------------------------
    def predict(self, cases: Sequence[Case], rule_for: RuleFor, department_map: dict[str, str] | None = None,
                top: int = TOP_K, text=None) -> list[dict]:
        """For each case: top categories and departments with calibrated probabilities, the auto-dispatch
        confidence, and the rule departments consulted. Departments are mapped through
        `department_map` (old code → new code: renames and merges in the city package)."""
        if not cases:
            return []
        X, text = self._x_category(cases, text)
        pc = self.category.proba(X)
        order = np.argsort(-pc, axis=1)[:, :TOP_K]
        rows, weights, rules_seen = [], [], []
        for i, case in enumerate(cases):
            seen = {}
            for j in order[i]:
                c = self.category.classes[j]
                rule = rule_for(c, case.district)
                seen[c] = rule
                rows.append(department_tokens(case, c, rule))
                weights.append(pc[i, j])
            rules_seen.append(seen)
        Xd = sp.hstack([text[np.repeat(np.arange(len(cases)), TOP_K)],
                        self._meta(meta_tokens(c) for c in cases for _ in range(TOP_K)),
                        self._meta(rows)], format="csr")
        pd_rows = self.department.proba(Xd) * np.asarray(weights)[:, None]
        pd = pd_rows.reshape(len(cases), TOP_K, -1).sum(axis=1)
        pd /= np.maximum(pd.sum(axis=1, keepdims=True), 1e-12)
        dep_classes = self.department.classes
        if department_map:
            dep_classes, pd = _merge_columns(dep_classes, pd, department_map)
        out = []
        for i in range(len(cases)):
            cats = [(self.category.classes[j], float(pc[i, j])) for j in order[i][:top]]
            dj = np.argsort(-pd[i])[:top]
            deps = [(dep_classes[j], float(pd[i, j])) for j in dj]
            out.append({"categories": cats, "departments": deps,
                        "confidence": self.auto_confidence(cats[0][1], deps[0][1]),
                        "rules": rules_seen[i]})
        return out

    def auto_confidence(self, p_category: float, p_department: float) -> float:
        return min(p_category, p_department) if self.confidence == "min" else p_category * p_department

    def threshold(self, category: str, target: float) -> float | None:
        """The confidence at or above which a suggestion for `category` was right at least `target` of
        the time on the held-out slice; None: never (no threshold reached the target)."""
        entry = self.thresholds.get(f"{target:g}")
        if entry is None:
            return None
        t = entry["by_category"].get(category, entry["global"])
        return None if t is None else float(t)

    def similar(self, case: Case, category: str, k: int = 3, text=None) -> list[dict]:
        """Recent closed cases of `category` whose text is closest (cosine of the TF-IDF rows)."""
        if self.sample_text is None or not self.sample_ids:
            return []
        q = (self._text([case]) if text is None else text).tocsr()
        dense = np.zeros(self.sample_text.shape[1], dtype=np.float32)
        dense[q.indices] = q.data
        sims = self.sample_text @ dense
        labels = self.__dict__.get("_sample_categories")
        if labels is None:
            labels = self.__dict__["_sample_categories"] = np.asarray([c for c, _ in self.sample_labels])
        candidates = np.flatnonzero((labels == category) & (sims > 0))
        idx = candidates[np.argsort(-sims[candidates], kind="stable")[:k]]
        return [{"id": self.sample_ids[i], "category": self.sample_labels[i][0],
                 "department": self.sample_labels[i][1], "similarity": round(float(sims[i]), 3)} for i in idx]

    # -- bytes ------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(blob: bytes) -> "SuggestModel":
        """Only for bytes read from the store whose SHA-256 was checked (dashboard.store.suggest)."""
        model = pickle.loads(blob)  # noqa: S301 — the store's own, verified bytes
        if not isinstance(model, SuggestModel) or model.format != FORMAT:
            raise ValueError("not a suggestion model of this format")
        return model


# -- training -------------------------------------------------------------------------------------
def fit(cases: Sequence[Case], rule_for: RuleFor, *, folds: int | None = None, holdout_share: float = 0.15,
        seed: int = 0, n_jobs: int = 2, alpha: float = 2e-5, epochs: int | None = None, max_features: int = 150_000,
        log: Callable[[str], None] | None = None) -> SuggestModel:
    """Learn from closed cases (with `category` and `department` labels).

    Calibration and the thresholds need cases the model did not learn from. Up to LARGE cases: `folds`
    (default 3) models each learn from all but one interleaved fold and predict it, so every case is
    held out once; the temperatures and thresholds are chosen on all of them, and the model kept
    learns from everything. Beyond LARGE the newest `holdout_share` is held out once (plenty of cases)."""
    say = log or (lambda _m: None)
    cases = sorted(cases, key=lambda c: (c.reported_at is None, c.reported_at, c.id))
    if len(cases) < 50:
        raise ValueError(f"too few closed cases to learn from ({len(cases)}; at least 50)")
    folds = folds if folds is not None else (3 if len(cases) <= LARGE else 1)
    epochs = epochs if epochs is not None else (12 if len(cases) <= 100_000 else 5)   # many cases: fewer passes
    options = dict(seed=seed, n_jobs=n_jobs, alpha=alpha, epochs=epochs, max_features=max_features)
    if folds <= 1:
        n_hold = max(20, int(len(cases) * holdout_share))
        parts = [(cases[:-n_hold], cases[-n_hold:])]
    else:
        parts = [([c for i, c in enumerate(cases) if i % folds != k], [c for i, c in enumerate(cases) if i % folds == k])
                 for k in range(folds)]
    held: list[tuple[SuggestModel, Sequence[Case]]] = []
    for k, (train, hold) in enumerate(parts):
        t0 = time.perf_counter()
        held.append((_learn(train, rule_for, **options), hold))
        say(f"held-out model {k + 1}/{len(parts)}: learned from {len(train)}, holds out {len(hold)} "
            f"({time.perf_counter() - t0:.1f} s)")
    t_cat, t_dep = _temperatures(held, rule_for)
    predictions, hold_cases = [], []
    for m, hold in held:
        m.category.T, m.department.T = t_cat, t_dep
        predictions += m.predict(hold, rule_for)
        hold_cases += list(hold)
    if folds <= 1:
        model = held[0][0]
    else:
        t0 = time.perf_counter()
        model = _learn(cases, rule_for, **options)
        model.category.T, model.department.T = t_cat, t_dep
        say(f"model learned from all {len(cases)} cases ({time.perf_counter() - t0:.1f} s)")
    best = None
    for how in ("min", "product"):
        model.confidence = how
        thresholds = choose_thresholds(predictions, hold_cases, model)
        if best is None or thresholds["0.99"]["coverage"] > best[0]:
            best = (thresholds["0.99"]["coverage"], how, thresholds)
    model.confidence, model.thresholds = best[1], best[2]
    model.trained_on = len(cases) if folds > 1 else len(parts[0][0])
    recent = cases[-SAMPLE:]
    model.sample_ids = [c.id for c in recent]
    model.sample_labels = [(c.category, c.department) for c in recent]
    model.sample_text = model.vectorizer.transform([c.text for c in recent]).astype(np.float32).tocsr()
    say(f"calibrated on {len(hold_cases)} held-out cases: T(category)={t_cat:.2f}, T(department)={t_dep:.2f}; "
        f"at 99 %: {100 * best[0]:.1f} % of them by itself")
    return model


def _learn(train: Sequence[Case], rule_for: RuleFor, *, seed: int, n_jobs: int, alpha: float, epochs: int,
           max_features: int) -> SuggestModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, max_features=max_features,
                                 sublinear_tf=True, dtype=np.float32)
    text = vectorizer.fit_transform([c.text for c in train])
    dep_rows = [department_tokens(c, c.category, rule_for(c.category, c.district)) for c in train]
    meta_lists = [meta_tokens(c) for c in train]
    vocab = _vocabulary(meta_lists + dep_rows, min_count=2)
    meta = _one_hot(meta_lists, vocab)

    def sgd():
        return SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, n_jobs=n_jobs,
                             random_state=seed)

    cat = _calibrated(sgd().fit(sp.hstack([text, meta], format="csr"), [c.category for c in train]))
    dep = _calibrated(sgd().fit(sp.hstack([text, meta, _one_hot(dep_rows, vocab)], format="csr"),
                                [c.department for c in train]))
    return SuggestModel(vectorizer=vectorizer, meta_vocab=vocab, category=cat, department=dep, trained_on=len(train))


def _calibrated(clf) -> Calibrated:
    W = clf.coef_.astype(np.float32)
    b = clf.intercept_.astype(np.float32)
    classes = [str(c) for c in clf.classes_]
    if len(classes) == 2:   # sklearn keeps one row for two classes
        W, b = np.vstack([-W[0] / 2, W[0] / 2]), np.array([-b[0] / 2, b[0] / 2], dtype=np.float32)
    return Calibrated(classes, np.ascontiguousarray(W.T), b)


def _temperatures(held: list[tuple[SuggestModel, Sequence[Case]]], rule_for: RuleFor) -> tuple[float, float]:
    """The category and department temperatures that minimise the held-out negative log-likelihood."""
    cat_parts, dep_parts = [], []
    for m, hold in held:
        X, text = m._x_category(hold)
        cat_parts.append((m.category.scores(X), [m.category.classes.index(c.category)
                                                 if c.category in m.category.classes else -1 for c in hold]))
        rows = [department_tokens(c, c.category, rule_for(c.category, c.district)) for c in hold]
        Xd = sp.hstack([text, m._meta(meta_tokens(c) for c in hold), m._meta(rows)], format="csr")
        dep_parts.append((m.department.scores(Xd), [m.department.classes.index(c.department)
                                                    if c.department in m.department.classes else -1 for c in hold]))
    return _temperature(cat_parts), _temperature(dep_parts)


def _temperature(parts: list[tuple[np.ndarray, list[int]]]) -> float:
    """A 1-D search in log space over the pooled held-out parts (each with its own class order)."""
    pooled = []
    for scores, truth in parts:
        keep = np.asarray([t >= 0 for t in truth])
        if keep.any():
            pooled.append((scores[keep], np.asarray(truth)[keep]))
    if sum(len(y) for _, y in pooled) < 10:
        return 1.0
    best_t, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.05), np.log(20), 80)):
        nll = 0.0
        for s, y in pooled:
            p = softmax(s / t)
            nll -= np.log(np.maximum(p[np.arange(len(y)), y], 1e-12)).sum()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def choose_thresholds(predictions: list[dict], cases: Sequence[Case], model: SuggestModel) -> dict:
    """Per target precision: the lowest confidence above which the held-out suggestions (category and
    department both right) reach the target — over all categories, and per category where it has
    enough held-out cases."""
    conf = np.asarray([model.auto_confidence(p["categories"][0][1], p["departments"][0][1]) for p in predictions])
    right = np.asarray([p["categories"][0][0] == c.category and p["departments"][0][0] == c.department
                        for p, c in zip(predictions, cases)])
    cats = np.asarray([p["categories"][0][0] for p in predictions])
    out = {}
    for target in TARGETS:
        t_global = threshold_for(conf, right, target)
        by_category = {}
        for c in sorted(set(cats)):
            mask = cats == c
            if mask.sum() >= MIN_PER_CATEGORY:
                own = threshold_for(conf[mask], right[mask], target)
                if own is None and t_global is not None:
                    # too few of its own to prove the target: the overall cut, if the category is not worse there
                    above = mask & (conf >= t_global)
                    own = t_global if not above.any() or right[above].mean() >= target else None
                by_category[c] = own
        covered = conf >= (t_global if t_global is not None else np.inf)
        figures = {}   # per category, at the threshold it would use: for the admin's screen
        for c in sorted(set(cats)):
            mask = cats == c
            cut = by_category.get(c, t_global)
            mine = mask & (conf >= (cut if cut is not None else np.inf))
            figures[c] = {"n": int(mask.sum()), "coverage": float(mine.sum() / mask.sum()),
                          "precision": float(right[mine].mean()) if mine.any() else None}
        out[f"{target:g}"] = {"global": t_global, "by_category": by_category, "figures": figures,
                              "coverage": float(covered.mean()) if len(conf) else 0.0,
                              "precision": float(right[covered].mean()) if covered.any() else None}
    return out


def threshold_for(conf: np.ndarray, right: np.ndarray, target: float, z: float = Z) -> float | None:
    """The lowest confidence t such that the suggestions at ≥ t taken together are right ≥ target; None
    if no cut is. With z > 0 the precision is the Wilson lower bound, so a threshold chosen on few
    held-out cases errs on the safe side (and a category with few cases gets none of its own)."""
    if len(conf) == 0:
        return None
    order = np.argsort(-conf, kind="stable")
    c, r = conf[order], right[order].astype(float)
    precision = wilson_lower(np.cumsum(r), np.arange(1, len(r) + 1), z)
    # a cut after position k keeps exactly the first k + 1 only where the next confidence is lower (ties)
    boundary = np.append(c[1:] < c[:-1], True)
    ok = np.flatnonzero((precision >= target) & boundary)
    if not len(ok):
        return None
    return float(c[ok[-1]])                                   # the widest cut that still reaches the target


def wilson_lower(hits: np.ndarray, n: np.ndarray, z: float) -> np.ndarray:
    """Wilson score lower bound of a proportion (z=0: the proportion itself)."""
    p = hits / n
    if z <= 0:
        return p
    z2 = z * z
    return (p + z2 / (2 * n) - z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)


# -- helpers --------------------------------------------------------------------------------------
def softmax(s: np.ndarray) -> np.ndarray:
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


def _vocabulary(token_lists: Iterable[list[str]], min_count: int = 2) -> dict[str, int]:
    counts: dict[str, int] = {}
    for tokens in token_lists:
        for tok in tokens:
            counts[tok] = counts.get(tok, 0) + 1
    return {tok: k for k, tok in enumerate(sorted(t for t, n in counts.items() if n >= min_count))}


def _one_hot(token_lists: Iterable[list[str]], vocab: dict[str, int]) -> sp.csr_matrix:
    indptr, indices = [0], []
    for tokens in token_lists:
        cols = sorted({vocab[t] for t in tokens if t in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(vocab)), dtype=np.float32)


def _merge_columns(classes: list[str], p: np.ndarray, mapping: dict[str, str]) -> tuple[list[str], np.ndarray]:
    """Probabilities of renamed/merged departments summed under their new codes."""
    new = [resolve(c, mapping) for c in classes]
    merged = sorted(set(new), key=new.index)
    out = np.zeros((p.shape[0], len(merged)), dtype=p.dtype)
    for j, code in enumerate(new):
        out[:, merged.index(code)] += p[:, j]
    return merged, out


def resolve(code: str, mapping: dict[str, str]) -> str:
    """Follow renames (a → b → c) to the code in force; stops on a cycle."""
    seen = set()
    while code in mapping and code not in seen:
        seen.add(code)
        code = mapping[code]
    return code
