"""Reading a large Shapefile as the GIS department delivers it: polygons in EPSG:4549 (CGCS2000 3-degree
Gauss–Krüger, CM 120°E) with GBK attribute text, about 50 MB on disk by default; the time of
read_layer (pyogrio read, PROJ to WGS-84, validity checks and repairs) and of writing the result as
RFC 7946 GeoJSON; the same layer declared GCJ-02 for the iterative inverse.

    python benchmarks/geo_import.py [--mb 50]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pyogrio.raw  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402

from benchmarks._common import machine  # noqa: E402
from dashboard.geo import read_layer  # noqa: E402

VERTICES = 200           # per polygon: land parcels and grid cells traced by hand have many


def make(path: Path, mb: float) -> tuple[int, float]:
    t = Transformer.from_crs(4326, 4549, always_xy=True)
    # about 16 bytes per vertex in the .shp, plus the .dbf row
    count = int(mb * 1_000_000 / (VERTICES * 16 + 300))
    side = int(np.ceil(np.sqrt(count)))
    rng = np.random.default_rng(7)
    geoms, codes, names = [], [], []
    angles = np.linspace(0, 2 * np.pi, VERTICES, endpoint=False)
    for k in range(count):
        i, j = divmod(k, side)
        lon, lat = 119.9 + 0.4 * i / side, 30.1 + 0.3 * j / side
        r = 0.12 / side * (1 + 0.15 * rng.random(VERTICES))
        xs, ys = t.transform(lon + r * np.cos(angles), lat + r * np.sin(angles))
        geoms.append(shapely.Polygon(np.column_stack([xs, ys])))
        codes.append(f"33010600{k:07d}")
        names.append(f"西湖区第{k}号网格")
    pyogrio.raw.write(str(path), np.array(shapely.to_wkb(geoms), dtype=object),
                      [np.array(codes, dtype=object), np.array(names, dtype=object)], ["BGDM", "MC"],
                      driver="ESRI Shapefile", crs="EPSG:4549", geometry_type="Polygon", encoding="GBK")
    size = sum(p.stat().st_size for p in path.parent.glob(path.stem + ".*")) / 1e6
    return count, size


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.shp"
        t0 = time.perf_counter()
        count, size = make(path, args.mb)
        made = time.perf_counter() - t0
        rows = []
        for label, crs in (("EPSG:4549 (from the .prj)", None), ("EPSG:4549 + GCJ-02 declared", "gcj02")):
            t0 = time.perf_counter()
            layer = read_layer(path, crs=crs)   # "gcj02" on a projected file: its projection, then GCJ-02
            read_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            text = json.dumps(layer.feature_collection(), ensure_ascii=False, separators=(",", ":"))
            write_s = time.perf_counter() - t0
            rows.append((label, len(layer), read_s, write_s, len(text) / 1e6, len(layer.issues)))
        print(f"# Shapefile import ({machine()}); file made in {made:.1f} s")
        print(f"{'read as':30} {'features':>9} {'MB on disk':>10} {'read s':>7} {'MB/s':>6} {'GeoJSON s':>9} "
              f"{'GeoJSON MB':>10} {'issues':>6}")
        for label, n, read_s, write_s, out_mb, issues in rows:
            print(f"{label:30} {n:>9,} {size:>10.1f} {read_s:>7.2f} {size / read_s:>6.1f} {write_s:>9.2f} "
                  f"{out_mb:>10.1f} {issues:>6}")
        assert rows[0][1] == count
    return 0


if __name__ == "__main__":
    sys.exit(main())
