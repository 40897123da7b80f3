"""Likely duplicates by text as well as place: open cases of the same 小类 or 大类 within a radius and
a time window, scored by the Jaccard similarity of their character shingles (the address and the
digits taken out, so two reports of the same place do not look alike only because of it).

Pure. `score()` compares two texts; `DuplicateIndex` holds open cases in grid cells for a fast
prefilter by place and time (the store's box query is the same prefilter for one report).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.domain.geo import haversine_m

RADIUS_M = 150.0
WINDOW = timedelta(hours=72)
MIN_SIMILARITY = 0.25
SHINGLE = 2
_NOISE = re.compile(r"[\s\d０-９,，.。!！?？:：;；、·\-—()（）“”\"'…~]+")


def shingles(text: str, address: str | None = None, k: int = SHINGLE) -> frozenset[str]:
    """Character k-shingles of `text` without punctuation, digits and the address."""
    if address:
        text = text.replace(address, " ")
    text = _NOISE.sub("", text or "")
    if len(text) < k:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i:i + k] for i in range(len(text) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def combined(similarity: float, distance_m: float, radius_m: float, same_category: bool) -> float:
    """One score for ranking: mostly the text, then how near, then the same 小类 over the same 大类."""
    return round(0.7 * similarity + 0.2 * max(0.0, 1 - distance_m / radius_m) + (0.1 if same_category else 0.0), 3)


@dataclass(frozen=True)
class OpenCase:
    id: int
    category: str
    group: str | None
    lat: float
    lon: float
    reported_at: datetime
    shingles: frozenset[str]
    code: str = ""


class DuplicateIndex:
    """Open cases in cells of about `radius_m`, so a search looks at the 3 × 3 cells around a point."""

    def __init__(self, radius_m: float = RADIUS_M, window: timedelta = WINDOW) -> None:
        self.radius_m, self.window = radius_m, window
        self._dlat = radius_m / 111_320.0
        self._cells: dict[tuple[int, int], list[OpenCase]] = {}
        self._where: dict[int, tuple[int, int]] = {}

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        dlon = self._dlat / max(0.01, math.cos(math.radians(lat)))
        return int(lat // self._dlat), int(lon // dlon)

    def add(self, case: OpenCase) -> None:
        self.remove(case.id)
        cell = self._cell(case.lat, case.lon)
        self._cells.setdefault(cell, []).append(case)
        self._where[case.id] = cell

    def remove(self, case_id: int) -> None:
        cell = self._where.pop(case_id, None)
        if cell is not None:
            self._cells[cell] = [c for c in self._cells[cell] if c.id != case_id]

    def __len__(self) -> int:
        return len(self._where)

    def candidates(self, lat: float, lon: float, at: datetime) -> list[OpenCase]:
        ci, cj = self._cell(lat, lon)
        out = []
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for c in self._cells.get((ci + di, cj + dj), ()):
                    if abs(c.reported_at - at) <= self.window:
                        out.append(c)
        return out

    def search(self, case_id: int | None, category: str, group: str | None, lat: float, lon: float, at: datetime,
               text_shingles: frozenset[str], min_similarity: float = MIN_SIMILARITY, limit: int = 5) -> list[dict]:
        return rank(case_id, category, group, lat, lon, text_shingles, self.candidates(lat, lon, at),
                    self.radius_m, min_similarity, limit)


def rank(case_id: int | None, category: str, group: str | None, lat: float, lon: float,
         text_shingles: frozenset[str], candidates, radius_m: float = RADIUS_M,
         min_similarity: float = MIN_SIMILARITY, limit: int = 5) -> list[dict]:
    """Candidates of the same category or group, within the radius, similar enough, best first."""
    found = []
    for c in candidates:
        if c.id == case_id or not (c.category == category or (group and c.group == group)):
            continue
        d = haversine_m((lon, lat), (c.lon, c.lat))
        if d > radius_m:
            continue
        sim = jaccard(text_shingles, c.shingles)
        if sim < min_similarity:
            continue
        found.append({"id": c.id, "code": c.code, "category": c.category, "distance_m": round(d, 1),
                      "similarity": round(sim, 3),
                      "score": combined(sim, d, radius_m, c.category == category)})
    found.sort(key=lambda f: -f["score"])
    return found[:limit]
