"""Cut the demo city's roads into segments: at every crossing with another road and at every
district boundary, so that each segment lies in exactly one district."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from dashboard.domain.geo import point_in_ring

from . import names
from .geometry import XY, cumulative, point_along, segment_intersection, sub_polyline
from .layout import Road

MIN_GAP_KM = 0.02     # cuts closer than this are one cut


@dataclass(frozen=True)
class Piece:
    road: Road
    points: tuple[XY, ...]
    from_name: tuple[str, str]     # the crossing road (zh, en) where the piece's block starts
    to_name: tuple[str, str]
    district_index: int


def _box(points: Sequence[XY]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _overlap(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _cuts(road: Road, cum: list[float], others: list[tuple[Road, tuple]], edges: list[tuple[XY, XY]]):
    """Arc-length positions where the road must be cut, each with the crossing road's names or None."""
    cuts: list[tuple[float, tuple[str, str] | None]] = []
    pts = road.points
    for other, _ in others:
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            for c, d in zip(other.points, other.points[1:]):
                hit = segment_intersection(a, b, c, d)
                if hit:
                    cuts.append((cum[i] + hit[0] * (cum[i + 1] - cum[i]), (other.name_zh, other.name_en)))
    for i, (a, b) in enumerate(zip(pts, pts[1:])):
        for c, d in edges:
            hit = segment_intersection(a, b, c, d)
            if hit:
                cuts.append((cum[i] + hit[0] * (cum[i + 1] - cum[i]), None))
    cuts.sort(key=lambda c: (c[0], c[1] is None))
    merged: list[tuple[float, tuple[str, str] | None]] = []
    for s, label in cuts:
        if merged and s - merged[-1][0] < MIN_GAP_KM:
            if merged[-1][1] is None and label is not None:
                merged[-1] = (merged[-1][0], label)
            continue
        merged.append((s, label))
    length = cum[-1]
    start = end = names.CITY_LIMIT
    if not road.closed:
        # a road that ends on another road is named after it there, not after the city limits
        start = next((lbl for s, lbl in merged if s <= MIN_GAP_KM and lbl), start)
        end = next((lbl for s, lbl in merged if s >= length - MIN_GAP_KM and lbl), end)
        merged = [c for c in merged if MIN_GAP_KM < c[0] < length - MIN_GAP_KM]
    return merged, start, end


def _label(cuts, k: int, step: int, closed: bool, fallback: tuple[str, str]) -> tuple[str, str]:
    """The nearest crossing road from cut k walking in direction step (wrapping round a ring road)."""
    n = len(cuts)
    for m in range(n):
        idx = k + step * m
        if closed:
            idx %= n
        elif not 0 <= idx < n:
            break
        if cuts[idx][1] is not None:
            return cuts[idx][1]
    return fallback


def _district_of(points: Sequence[XY], rings: Sequence[Sequence[XY]]) -> int:
    cum = cumulative(points)
    mid, _ = point_along(points, cum, cum[-1] / 2)
    for k, ring in enumerate(rings):
        if point_in_ring(mid, ring):
            return k
    raise ValueError(f"road piece at {mid} lies outside every district")


def split_roads(roads: Sequence[Road], rings: Sequence[Sequence[XY]]) -> list[Piece]:
    edges = list({tuple(sorted((a, b))) for ring in rings for a, b in zip(ring, ring[1:])})
    boxes = [_box(r.points) for r in roads]
    pieces: list[Piece] = []
    for r_idx, road in enumerate(roads):
        cum = cumulative(road.points)
        others = [(o, boxes[k]) for k, o in enumerate(roads) if k != r_idx and _overlap(boxes[k], boxes[r_idx])]
        cuts, start_name, end_name = _cuts(road, cum, others, edges)
        length = cum[-1]
        spans: list[tuple[float, float, int, int]] = []   # (start, end, cut index before, cut index after)
        if road.closed and cuts:
            for k in range(len(cuts)):
                nxt = (k + 1) % len(cuts)
                spans.append((cuts[k][0], cuts[nxt][0], k, nxt))
        else:
            bounds = [0.0] + [c[0] for c in cuts] + [length]
            for k in range(len(bounds) - 1):
                spans.append((bounds[k], bounds[k + 1], k - 1, k))
        for start, end, before, after in spans:
            if end > start:
                pts = sub_polyline(road.points, cum, start, end)
            else:   # the piece of a ring road that runs through its starting point
                pts = sub_polyline(road.points, cum, start, length) + sub_polyline(road.points, cum, 0.0, end)[1:]
            from_name = _label(cuts, before, -1, road.closed, start_name) if before >= 0 else start_name
            to_name = _label(cuts, after, 1, road.closed, end_name) if after < len(cuts) else end_name
            pieces.append(Piece(road, tuple(pts), from_name, to_name, _district_of(pts, rings)))
    return pieces
