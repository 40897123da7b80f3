"""Planar helpers for laying out the demo city, in kilometres east (x) and north (y) of its centre."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence

XY = tuple[float, float]
KM_PER_DEG_LAT = 110.574


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection around the city centre; plenty accurate over 30 km."""

    lon0: float
    lat0: float

    @property
    def km_per_deg_lon(self) -> float:
        return 111.320 * math.cos(math.radians(self.lat0))

    def lonlat(self, p: XY) -> list[float]:
        return [round(self.lon0 + p[0] / self.km_per_deg_lon, 6), round(self.lat0 + p[1] / KM_PER_DEG_LAT, 6)]

    def xy(self, lon: float, lat: float) -> XY:
        return ((lon - self.lon0) * self.km_per_deg_lon, (lat - self.lat0) * KM_PER_DEG_LAT)


def lerp(a: XY, b: XY, t: float) -> XY:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def dist(a: XY, b: XY) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def jagged_edge(a: XY, b: XY, rng: random.Random, pieces: int, amplitude: float) -> list[XY]:
    """Points strictly between a and b, wandering sideways (a boundary that follows streams and streets)."""
    length = dist(a, b)
    nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length
    points, offset = [], 0.0
    for k in range(1, pieces):
        t = k / pieces
        # a random walk pinned to zero at both ends, so neighbouring edges meet cleanly
        offset = max(-amplitude, min(amplitude, offset + rng.uniform(-amplitude, amplitude) * 0.8))
        taper = min(1.0, 3 * min(t, 1 - t))
        x, y = lerp(a, b, t)
        points.append((x + nx * offset * taper, y + ny * offset * taper))
    return points


def segment_intersection(p1: XY, p2: XY, p3: XY, p4: XY) -> tuple[float, float] | None:
    """Parameters (t on p1→p2, u on p3→p4) where the two segments cross, or None."""
    d1x, d1y = p2[0] - p1[0], p2[1] - p1[1]
    d2x, d2y = p4[0] - p3[0], p4[1] - p3[1]
    den = d1x * d2y - d1y * d2x
    if abs(den) < 1e-12:
        return None
    ex, ey = p3[0] - p1[0], p3[1] - p1[1]
    t = (ex * d2y - ey * d2x) / den
    u = (ex * d1y - ey * d1x) / den
    if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0:
        return t, u
    return None


def cumulative(points: Sequence[XY]) -> list[float]:
    out = [0.0]
    for a, b in zip(points, points[1:]):
        out.append(out[-1] + dist(a, b))
    return out


def point_along(points: Sequence[XY], cum: Sequence[float], s: float) -> tuple[XY, int]:
    """The point at arc length s, and the index of the piece it lies on."""
    s = max(0.0, min(cum[-1], s))
    for i in range(len(points) - 1):
        if cum[i + 1] >= s:
            span = cum[i + 1] - cum[i]
            t = 0.0 if span == 0 else (s - cum[i]) / span
            return lerp(points[i], points[i + 1], t), i
    return points[-1], len(points) - 2


def sub_polyline(points: Sequence[XY], cum: Sequence[float], s0: float, s1: float) -> list[XY]:
    a, i = point_along(points, cum, s0)
    b, j = point_along(points, cum, s1)
    return [a] + [points[k] for k in range(i + 1, j + 1) if s0 < cum[k] < s1] + [b]


def ring_distance(p: XY, ring: Sequence[XY]) -> float:
    """Distance from p to the nearest edge of a ring."""
    best = math.inf
    for a, b in zip(ring, ring[1:]):
        dx, dy = b[0] - a[0], b[1] - a[1]
        span = dx * dx + dy * dy
        t = 0.0 if span == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / span))
        best = min(best, dist(p, (a[0] + t * dx, a[1] + t * dy)))
    return best


def bearing_deg(a: XY, b: XY) -> float:
    """Compass bearing from a to b (0 north, 90 east)."""
    return (math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) + 360.0) % 360.0


def frac_hash(*values: float) -> float:
    """A cheap deterministic pseudo-random number in [0, 1) from numbers (for per-tick jitter)."""
    x = 0.0
    for k, v in enumerate(values):
        x += v * (12.9898 + 65.233 * k)
    return (math.sin(x) * 43758.5453) % 1.0
