"""The demo city's plan in kilometres: district boundaries, arterial roads, the river.

Districts are the cells of a 3×3 grid of shared, jittered vertices joined by shared jagged edges,
so neighbouring districts meet exactly: no gaps, no overlaps.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from . import names
from .geometry import XY, jagged_edge

HALF_W, HALF_H = 15.0, 12.0          # the city spans about 30 × 24 km
COLS, ROWS = 3, 3                    # district grid
NS_X = tuple(-13.0 + 2.6 * i for i in range(11))     # nominal x of the north–south roads
EW_Y = tuple(-10.4 + 2.6 * j for j in range(9))      # nominal y of the east–west roads


@dataclass(frozen=True)
class Road:
    name_zh: str
    name_en: str
    kind: str                  # expressway, avenue, arterial, street
    points: tuple[XY, ...]
    closed: bool = False


@dataclass(frozen=True)
class Layout:
    cells: tuple[tuple[int, int], ...]
    rings: tuple[tuple[XY, ...], ...]          # closed, counter-clockwise, one per cell
    nodes: dict[tuple[int, int], XY]           # grid road intersections (i west→east, j south→north)
    roads: tuple[Road, ...]
    river: tuple[XY, ...]


def _vertices(rng: random.Random) -> dict[tuple[int, int], XY]:
    verts = {}
    for i in range(COLS + 1):
        for j in range(ROWS + 1):
            x = -HALF_W + 2 * HALF_W * i / COLS
            y = -HALF_H + 2 * HALF_H * j / ROWS
            inner_x, inner_y = 0 < i < COLS, 0 < j < ROWS
            if inner_x:
                x += rng.uniform(-2.0, 2.0)
            if inner_y:
                y += rng.uniform(-1.5, 1.5)
            verts[i, j] = (x, y)
    return verts


def _district_rings(rng: random.Random) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[XY, ...], ...]]:
    v = _vertices(rng)
    # every edge is drawn once and shared by the two districts on either side
    h = {(i, j): jagged_edge(v[i, j], v[i + 1, j], rng, 6, 0.5 if j in (0, ROWS) else 0.7)
         for i in range(COLS) for j in range(ROWS + 1)}
    w = {(i, j): jagged_edge(v[i, j], v[i, j + 1], rng, 5, 0.5 if i in (0, COLS) else 0.7)
         for i in range(COLS + 1) for j in range(ROWS)}
    cells, rings = [], []
    for j in range(ROWS):
        for i in range(COLS):
            ring = ([v[i, j]] + h[i, j] + [v[i + 1, j]] + w[i + 1, j] + [v[i + 1, j + 1]]
                    + h[i, j + 1][::-1] + [v[i, j + 1]] + w[i, j][::-1] + [v[i, j]])
            cells.append((i, j))
            rings.append(tuple(ring))
    return tuple(cells), tuple(rings)


def _river(rng: random.Random) -> tuple[XY, ...]:
    p1, p2 = rng.uniform(0, 6.28), rng.uniform(0, 6.28)
    return tuple((x, -1.5 + 0.45 * math.sin(x / 2.9 + p1) + 0.2 * math.sin(x / 1.3 + p2))
                 for x in (-17.0 + 0.5 * k for k in range(69)))


def _roads(rng: random.Random, river: tuple[XY, ...]) -> tuple[dict, tuple[Road, ...]]:
    nodes = {(i, j): (x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3))
             for i, x in enumerate(NS_X) for j, y in enumerate(EW_Y)}
    roads: list[Road] = []
    for j in range(len(EW_Y)):
        zh, en = names.EW_ROADS[j]
        roads.append(Road(zh, en, "arterial" if j % 3 == 1 else "street",
                          tuple(nodes[i, j] for i in range(len(NS_X)))))
    for i in range(len(NS_X)):
        zh, en = names.NS_ROADS[i]
        roads.append(Road(zh, en, "arterial" if i % 3 == 1 else "street",
                          tuple(nodes[i, j] for j in range(len(EW_Y)))))
    cx, cy, tilt = rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), rng.uniform(-0.15, 0.15)
    ring = []
    for k in range(40):
        a = 2 * math.pi * k / 40
        r = 1 + rng.uniform(-0.02, 0.02)
        x, y = 8.5 * r * math.cos(a), 6.5 * r * math.sin(a)
        ring.append((cx + x * math.cos(tilt) - y * math.sin(tilt), cy + x * math.sin(tilt) + y * math.cos(tilt)))
    ring.append(ring[0])
    roads.append(Road(*names.RING_ROAD, "expressway", tuple(ring), closed=True))
    roads.append(Road(*names.RIVERSIDE_ROAD, "avenue",
                      tuple((x, y + 0.3) for x, y in river if -14.2 <= x <= 14.2)))
    # two avenues leave the city at its corners (toward the airport and the port)
    a, b = names.DIAGONALS
    hub = (0.4, 0.6)
    roads.append(Road(*a, "avenue", ((-14.0, -11.0), nodes[0, 0], (-6.0, -5.6 + rng.uniform(-0.5, 0.5)), hub,
                                     (6.5, 5.2 + rng.uniform(-0.5, 0.5)), nodes[10, 8], (14.0, 11.0))))
    roads.append(Road(*b, "avenue", (hub, (5.5, -3.5 + rng.uniform(-0.4, 0.4)), nodes[10, 0], (14.0, -11.0))))
    return nodes, tuple(roads)


@lru_cache(maxsize=8)
def layout(seed: int) -> Layout:
    rng = random.Random(seed)
    cells, rings = _district_rings(rng)
    river = _river(rng)
    nodes, roads = _roads(rng, river)
    return Layout(cells, rings, nodes, roads, river)
