"""Point → unit-grid cell with an STRtree (dashboard.domain.geo.AreaIndex): 10,000 cells by default;
goal ≤ 0.1 ms per lookup. Also point → district (the demo city) and point → nearest road segment.

    python benchmarks/geo_grid_lookup.py [--cells 10000] [--lookups 100000]
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import shapely  # noqa: E402

from benchmarks._common import machine  # noqa: E402
from dashboard.domain.geo import AreaIndex, LineIndex  # noqa: E402


def grid(n_cells: int, west=118.64, south=31.94, east=118.96, north=32.16):
    side = int(math.ceil(math.sqrt(n_cells)))
    dx, dy = (east - west) / side, (north - south) / side
    cells = []
    for i in range(side):
        for j in range(side):
            if len(cells) == n_cells:
                break
            # cells with a few more vertices than a box, as GIS grids have
            box = shapely.segmentize(shapely.box(west + i * dx, south + j * dy, west + (i + 1) * dx, south + (j + 1) * dy),
                                     dx / 3)
            cells.append((f"32010200{i:03d}{j:04d}", box))
    return cells, (west, south, east, north)


def timed(fn, points) -> float:
    start = time.perf_counter()
    for lon, lat in points:
        fn(lon, lat)
    return (time.perf_counter() - start) / len(points) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--lookups", type=int, default=100_000)
    args = ap.parse_args()
    rng = random.Random(7)
    cells, (w, s, e, n) = grid(args.cells)
    t0 = time.perf_counter()
    index = AreaIndex(cells)
    build_s = time.perf_counter() - t0
    points = [(rng.uniform(w - 0.02, e + 0.02), rng.uniform(s - 0.02, n + 0.02)) for _ in range(args.lookups)]
    per_cell = timed(index.at, points)
    t0 = time.perf_counter()
    index.at_many([p[0] for p in points], [p[1] for p in points])
    batch = (time.perf_counter() - t0) / len(points) * 1000
    from dashboard.demo.city import build_city
    city = build_city(7)
    per_district = timed(city.district_at, points[:20_000])
    lines = LineIndex((sg.id, sg.geometry) for sg in city.segments)
    per_segment = timed(lambda lon, lat: lines.nearest(lon, lat), points[:20_000])
    print(f"# point → area lookups ({machine()})")
    print(f"{'lookup':40} {'items':>8} {'ms per lookup':>14}")
    print(f"{'point → grid cell (one at a time)':40} {len(cells):>8,} {per_cell:>14.4f}")
    print(f"{'point → grid cell (batch of ' + format(len(points), ',') + ')':40} {len(cells):>8,} {batch:>14.4f}")
    print(f"{'point → district (demo city)':40} {len(city.districts):>8,} {per_district:>14.4f}")
    print(f"{'point → nearest road segment':40} {len(city.segments):>8,} {per_segment:>14.4f}")
    print(f"index of {len(cells):,} cells built in {build_s * 1000:.0f} ms; goal ≤ 0.1 ms per lookup: "
          f"{'met' if per_cell <= 0.1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
